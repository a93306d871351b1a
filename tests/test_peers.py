"""Peer groups: nearest neighbours on ONS indicators, and the user's own lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csp_analysis.analysis import peers
from csp_analysis.analysis.peers import Variable, distance_matrix, nearest_neighbours
from csp_analysis.core.exceptions import AnalysisError, ConfigError
from csp_analysis.core.profiles import load_area_profiles
from csp_analysis.core.registry import load_areas, load_registry

ONE = (Variable("x", "x"),)
TWO = (Variable("x", "x"), Variable("y", "y"))


def _toy(values: dict[str, tuple]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(
        values, orient="index", columns=["x", "y"][: len(next(iter(values.values())))]
    )
    return frame


def test_a_known_toy_case():
    # On one variable the neighbours are the nearest values: 0,1,2,10,11,12,30.
    frame = _toy({"A": (0,), "B": (1,), "C": (2,), "D": (10,), "E": (11,), "F": (12,), "G": (30,)})
    groups = nearest_neighbours(frame, k=2, variables=ONE)
    assert groups["A"].members == ("B", "C")
    assert groups["B"].members == ("A", "C")  # A and C equally near: broken by code
    assert groups["D"].members == ("E", "F")
    assert groups["G"].members == ("F", "E")
    # Distances are on the standardised scale: |a - b| / population SD.
    sd = np.std([0, 1, 2, 10, 11, 12, 30])
    assert groups["A"].distances == pytest.approx((1 / sd, 2 / sd))


def test_an_area_is_never_its_own_peer():
    profiles = load_area_profiles()
    groups = nearest_neighbours(profiles, k=7)
    assert len(groups) == len(profiles) == 300
    for code, group in groups.items():
        assert code not in group.members
        assert len(set(group.members)) == 7
        assert list(group.distances) == sorted(group.distances)


def test_identical_areas_are_still_not_their_own_peers():
    frame = _toy({"A": (1,), "B": (1,), "C": (1,), "D": (5,)})
    groups = nearest_neighbours(frame, k=2, variables=ONE)
    assert groups["A"].members == ("B", "C")
    assert groups["B"].members == ("A", "C")


def test_groups_are_stable_under_row_order():
    profiles = load_area_profiles()
    first = nearest_neighbours(profiles, k=7)
    for seed in (1, 2):
        shuffled = profiles.sample(frac=1, random_state=seed)
        again = nearest_neighbours(shuffled, k=7)
        assert again == first


def test_missing_variables_are_left_out_and_the_distance_scaled():
    z = pd.DataFrame({"x": [0.0, 1.0, 3.0], "y": [0.0, np.nan, 2.0]}, index=list("ABC"))
    d = distance_matrix(z, np.array([1.0, 1.0]))
    # A-B: only x is present in both, so 1^2 scaled by 2/1.
    assert d[0, 1] == pytest.approx(np.sqrt(2 * 1.0))
    # A-C: both present.
    assert d[0, 2] == pytest.approx(np.sqrt(9 + 4))
    assert d[1, 2] == pytest.approx(np.sqrt(2 * 4.0))
    assert np.allclose(d, d.T)


def test_welsh_areas_are_matched_without_the_imd():
    registry = load_registry()
    cardiff = registry.csp("cardiff")
    group = peers.peer_group(cardiff.code)
    assert group.variables_missing == ("imd_average_score",)
    assert group.method == "nearest_neighbours" and not group.official
    assert peers.peer_group(registry.csp("herefordshire").code).variables_missing == ()


def test_weights_change_the_distance():
    frame = _toy({"A": (0, 0), "B": (1, 0), "C": (0, 1.5), "D": (5, 5)})
    plain = nearest_neighbours(frame, k=1, variables=TWO)
    weighted = nearest_neighbours(
        frame, k=1, variables=(Variable("x", "x", weight=4.0), Variable("y", "y"))
    )
    assert plain["A"].members == ("B",)
    assert weighted["A"].members == ("C",)


@pytest.mark.parametrize(
    ("k", "message"),
    [(0, "k must be a positive integer"), (True, "k must be a positive integer"),
     (4, "4 areas cannot give 4 peers")],
)  # fmt: skip
def test_bad_group_sizes_are_refused(k, message):
    frame = _toy({"A": (0,), "B": (1,), "C": (2,), "D": (3,)})
    with pytest.raises(AnalysisError, match=message):
        nearest_neighbours(frame, k=k, variables=ONE)


def test_duplicate_areas_are_refused():
    frame = pd.DataFrame({"x": [1, 2, 3]}, index=["A", "A", "B"])
    with pytest.raises(AnalysisError, match="appears more than once"):
        nearest_neighbours(frame, k=1, variables=ONE)


def test_a_missing_profile_variable_is_named():
    with pytest.raises(AnalysisError, match="profile variables missing: y"):
        nearest_neighbours(_toy({"A": (0,), "B": (1,), "C": (2,)}), k=1, variables=TWO)


def test_the_shipped_profiles_cover_every_partnership_area():
    profiles = load_area_profiles()
    registry = load_registry()
    assert set(profiles.index) == {csp.code for csp in registry.csps}
    welsh = profiles["country"] == "Wales"
    assert profiles.loc[welsh, "imd_average_score"].isna().all()
    assert profiles.loc[~welsh, "imd_average_score"].notna().all()
    # Census 2021 households: Herefordshire 82,827 (ONS TS054, as published).
    assert profiles.loc[registry.csp("herefordshire").code, "households_2021"] == 82827


@pytest.mark.realdata
def test_the_shipped_profiles_are_what_the_build_script_makes(shared_data):
    import importlib.util

    from csp_analysis.core.paths import PROJECT_ROOT

    spec = importlib.util.spec_from_file_location(
        "build_area_profiles", PROJECT_ROOT / "scripts" / "build_area_profiles.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build(shared_data).set_index("area_code")
    shipped = load_area_profiles()
    pd.testing.assert_frame_equal(
        built.sort_index(), shipped.sort_index(), check_dtype=False, check_exact=False, rtol=1e-9
    )


# --------------------------------------------------------------------------- user lists


def _areas_yaml(tmp_path, text: str):
    path = tmp_path / "areas.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_users_list_is_resolved_and_used(tmp_path):
    path = _areas_yaml(
        tmp_path,
        "peer_groups:\n"
        "  herefordshire:\n"
        "    source: iQuanta most similar group, 2024\n"
        '    peers: [Wiltshire, West Suffolk, "King\'s Lynn and West Norfolk", E22000326x]\n',
    )
    with pytest.raises(ConfigError, match=r"peer_groups\.herefordshire.*E22000326x"):
        load_areas(path)
    path = _areas_yaml(
        tmp_path,
        "peer_groups:\n"
        "  herefordshire:\n"
        "    source: iQuanta most similar group, 2024\n"
        '    peers: [Wiltshire, West Suffolk, "King\'s Lynn and West Norfolk"]\n'
        "  shropshire: [telford-and-wrekin]\n",
    )
    areas = load_areas(path)
    registry = load_registry()
    hereford = registry.csp("herefordshire").code
    group = peers.peer_group(hereford, areas)
    assert group.method == "user" and group.official
    assert group.source == "iQuanta most similar group, 2024"
    # "West Suffolk" is a district: its partnership (ONS: "Western Suffolk") is the peer.
    assert [registry.csp(c).name for c in group.members] == [
        "Wiltshire", "Western Suffolk", "King's Lynn and West Norfolk"
    ]  # fmt: skip
    assert group.codes[0] == hereford
    assert peers.peer_group(registry.csp("shropshire").code, areas).members == (
        registry.csp("telford-and-wrekin").code,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("peer_groups:\n  herefordshire: [herefordshire, shropshire]\n", "itself, not a peer"),
        ("peer_groups:\n  herefordshire: [shropshire, E22000360]\n", "listed twice"),
        ("peer_groups:\n  atlantis: [shropshire]\n", r"peer_groups\.atlantis"),
        ("peer_groups:\n  herefordshire: []\n", "peer_groups"),
        ("peer_groups:\n  herefordshire:\n    peers: [shropshire]\n    colour: red\n",
         "peer_groups"),
        ("peer_groups:\n  herefordshire: [shropshire]\n  E22000326: [wiltshire]\n",
         "two peer groups"),
    ],
)  # fmt: skip
def test_bad_user_lists_are_refused_with_the_key(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_areas(_areas_yaml(tmp_path, text))


def test_the_peers_command_names_the_method(capsys):
    from csp_analysis.core.cli import main

    assert main(["peers", "cardiff", "-k", "3"]) == 0
    out = capsys.readouterr().out
    assert (
        "Cardiff (W14000015): 3 peers, nearest neighbours on ONS indicators, not the Home " in out
    )
    assert "not matched on: imd_average_score" in out
    assert out.count("distance") == 3
    assert main(["peers", "atlantis"]) == 1
    assert "unknown CSP 'atlantis'" in capsys.readouterr().err
