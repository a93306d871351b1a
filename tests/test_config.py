"""The typed configuration: the shipped files validate, and every rule gives a clear error."""

from __future__ import annotations

import textwrap

import pytest

from csp_analysis.core.config import AreasConfig, PrioritiesConfig, load_priorities, load_yaml_model
from csp_analysis.core.exceptions import ConfigError, UnknownNameError
from csp_analysis.core.registry import load_areas

WEST_MERCIA_CSPS = {
    "E22000326": ["E06000019"],
    "E22000333": ["E06000020"],
    "E22000360": ["E06000051"],
    "E22000368": ["E07000234", "E07000236", "E07000239"],
    "E22000332": ["E07000235", "E07000237", "E07000238"],
}


def test_shipped_areas_are_the_five_west_mercia_csps():
    areas = load_areas()
    force = areas.force("west-mercia")
    assert {c.code: c.lad_codes for c in force.csps} == WEST_MERCIA_CSPS
    assert areas.csp("E22000332").ons_name == "South Worcester"
    assert areas.csp("south-worcestershire").name == "South Worcestershire"
    # ONS MYE4 mid-2023 figures quoted in SOURCES.md
    assert areas.csp("herefordshire").population[2023] == 189_890
    assert areas.csp("shropshire").population[2023] == 329_260
    assert areas.csp("telford-and-wrekin").population[2023] == 191_915
    assert set(areas.csp("herefordshire").population) == set(range(2011, 2024))


def test_shipped_priorities_include_the_defaults():
    ids = set(load_priorities().ids)
    assert {
        "all_crime",
        "asb",
        "domestic_abuse",
        "vawg",
        "drugs",
        "neighbourhood_crime",
        "serious_violence",
        "hate_crime",
        "alcohol_related_violence",
    } <= ids


def test_priority_falls_back_to_proxy_with_caveat_on_police_uk():
    da = load_priorities().get("domestic_abuse")
    on_police_uk = da.selection("police_uk")
    assert on_police_uk.method == "proxy"
    assert "no domestic abuse flag" in on_police_uk.caveat
    assert da.selection("local_extract").method == "definition"
    assert da.selection("home_office").method == "unavailable"
    # a local extract that lacks the flags behaves like police.uk
    assert da.selection("local_extract", available={"crime_types"}).method == "unavailable"


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(
        UnknownNameError,
        match=r"unknown CSP 'atlantis'; no close match \(300 known; `csp-analysis areas`",
    ):
        load_areas().csp("atlantis")
    with pytest.raises(UnknownNameError, match="unknown priority 'knife'"):
        load_priorities().get("knife")
    with pytest.raises(UnknownNameError, match="unknown data source 'twitter'"):
        load_priorities().get("drugs").selection("twitter")


def _write(tmp_path, text, name="areas.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


AREA = """\
forces:
  - id: f
    name: F
    pfa_code: E23000016
    csps:
      - id: a
        code: E22000326
        name: A
        ons_name: A
        districts:
          - {code: E06000019, name: A, population: {2023: 100}}
"""


def test_valid_minimal_areas_file(tmp_path):
    cfg = load_yaml_model(_write(tmp_path, AREA), AreasConfig)
    assert cfg.csp("a").population == {2023: 100}


@pytest.mark.parametrize(
    "text, match",
    [
        (
            AREA.replace("    name: F\n", "    name: F\n    colour: blue\n"),
            r"areas.yaml: forces.0.colour: unknown key",
        ),
        (
            AREA.replace("        ons_name: A\n", ""),
            r"forces.0.csps.0.ons_name: required field is missing",
        ),
        (AREA.replace("E22000326", "X22000326"), r"forces.0.csps.0.code: .*pattern"),
        (AREA.replace("2023: 100", "2023: -5"), r"population for 2023 must be positive"),
        (
            AREA
            + AREA.split("csps:\n")[1].replace("id: a", "id: b").replace("E22000326", "E22000333"),
            r"district E06000019 belongs to two CSPs",
        ),
        ("- just\n- a list\n", r"\(top level\): expected a mapping"),
        ("forces: [\n", r"line \d+: not valid YAML"),
    ],
    ids=[
        "unknown-key",
        "missing-field",
        "bad-code",
        "negative-population",
        "shared-district",
        "not-a-mapping",
        "bad-yaml",
    ],
)
def test_areas_validation_errors(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match):
        load_yaml_model(_write(tmp_path, text), AreasConfig)


PRIORITY = """\
priorities:
  - id: p
    title: P
    description: d
    definition:
      - crime_types: [Drugs]
"""


@pytest.mark.parametrize(
    "text, match",
    [
        (
            PRIORITY.replace("[Drugs]", "[Drugz]"),
            r"priorities.0.definition.0.crime_types: unknown police.uk crime type 'Drugz'",
        ),
        (
            PRIORITY.replace("crime_types: [Drugs]", "offence_codes: ['999Z']"),
            r"unknown Home Office offence code '999Z'",
        ),
        (
            PRIORITY.replace("crime_types: [Drugs]", "offence_subgroups: [Piracy]"),
            r"unknown Home Office offence subgroup 'Piracy'",
        ),
        (
            PRIORITY.replace("crime_types: [Drugs]", "flags: [tipsy]"),
            r"priorities.0.definition.0.flags.0: .*'domestic_abuse', 'hate' or 'alcohol'",
        ),
        (PRIORITY.replace("    title: P\n", ""), r"priorities.0.title: required field is missing"),
        (PRIORITY + PRIORITY.split("priorities:\n")[1], r"priority ids declared twice: p"),
        (
            PRIORITY
            + "    proxies:\n      twitter: {match: [{crime_types: [Drugs]}], caveat: 'a long caveat'}\n",
            r"priorities.0.proxies.twitter",
        ),
    ],
    ids=[
        "crime-type",
        "offence-code",
        "subgroup",
        "flag",
        "missing-title",
        "duplicate-id",
        "unknown-source",
    ],
)
def test_priorities_validation_errors(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match):
        load_yaml_model(_write(tmp_path, text, "priorities.yaml"), PrioritiesConfig)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope.yaml: \(file\): configuration file not found"):
        load_yaml_model(tmp_path / "nope.yaml", AreasConfig)


@pytest.mark.realdata
def test_areas_agree_with_the_ons_csp_lookup(shared_data):
    import pandas as pd

    from tests.conftest import CSP_LOOKUP

    lookup = pd.read_csv(CSP_LOOKUP, encoding="utf-8-sig", dtype=str)
    areas = load_areas()
    # Every CSP of the lookup is in the registry, in one partnership area.
    assert {code for csp in areas.csps for code in csp.ons_codes} == set(lookup["CSP23CD"])
    for csp in areas.csps:
        rows = lookup[lookup["CSP23CD"].isin(csp.ons_codes)]
        assert set(rows["LAD23CD"]) == set(csp.lad_codes), csp.id
        assert " / ".join(dict.fromkeys(rows.sort_values("CSP23CD")["CSP23NM"])) == csp.ons_name
        names = dict(zip(rows["LAD23CD"], rows["LAD23NM"], strict=True))
        assert all(names[d.code] == d.name for d in csp.districts), csp.id
