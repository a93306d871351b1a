"""Download ONS LSOA (2021) boundaries for a police force's districts from the ONS Open
Geography Portal (``csp-analysis download-boundaries``).

Source: Office for National Statistics, "Lower layer Super Output Areas (December 2021)
Boundaries EW BGC" (generalised to 20 m, clipped to the coastline), Open Government Licence
v3.0; contains OS data (c) Crown copyright and database right. The portal serves the layer
through an ArcGIS REST feature service; the layer's query endpoint is the default
:data:`DEFAULT_URL` and can be pointed elsewhere (``--url`` or ``CSP_ANALYSIS_ONS_LSOA_URL``:
the portal versions its services, e.g. ``..._BGC_V5``, and the tests serve the real boundary
files from 127.0.0.1).

Which LSOAs: those the ONS LSOA (2021) to LAD best-fit lookup puts in the force's districts
(the registry names the districts of every force). The service is asked for them in batches
of :data:`BATCH` codes (``where=LSOA21CD IN (...)``, ``outFields=LSOA21CD,LSOA21NM``,
``outSR=4326``, ``f=geojson``), and each district is written as one GeoJSON file,
``<out>/<LAD code>.geojson``, the layout ``ingest --boundaries`` reads. Every LSOA asked for
is accounted for: one the service did not return is listed, never silently left out, and an
answer that is not GeoJSON or carries the service's error is a one-line error naming the URL.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from csp_analysis import __version__
from csp_analysis.core.exceptions import DownloadError
from csp_analysis.core.paths import RAW_DIR

DEFAULT_URL = (
    "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/"
    "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5/FeatureServer/0/query"
)
URL_ENV = "CSP_ANALYSIS_ONS_LSOA_URL"
BATCH = 100  # codes per request: well under the service's record limit and URL length
TIMEOUT_SECONDS = 120


@dataclass
class BoundaryDownload:
    """What a boundary download wrote and what it could not find."""

    files: list[Path] = field(default_factory=list)
    lsoas: int = 0
    missing: list[str] = field(default_factory=list)  # LSOA codes the service did not return

    @property
    def messages(self) -> list[str]:
        out = [f"wrote {self.lsoas:,} LSOA boundaries in {len(self.files)} district files"]
        if self.missing:
            shown = ", ".join(self.missing[:10]) + (" ..." if len(self.missing) > 10 else "")
            out.append(f"{len(self.missing):,} LSOAs were not returned by the service: {shown}")
        return out


def _query(url: str, codes: list[str]) -> dict:
    """One query of the feature service for these LSOA codes; the parsed GeoJSON."""
    where = "LSOA21CD IN (" + ",".join(f"'{c}'" for c in codes) + ")"
    params = {
        "where": where,
        "outFields": "LSOA21CD,LSOA21NM",
        "outSR": "4326",
        "returnGeometry": "true",
        "f": "geojson",
    }
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(params).encode("ascii"),  # POST: the list is long
        headers={"User-Agent": f"csp-analysis/{__version__} (+ONS boundary download)"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            payload = response.read()
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"{url}: the service answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"{url}: cannot reach the service: {reason}") from None
    try:
        data = json.loads(payload)
    except ValueError:
        raise DownloadError(
            f"{url}: the answer is not JSON (is this a feature layer's query URL?)"
        ) from None
    if isinstance(data, dict) and "error" in data:
        error = data["error"] or {}
        message = error.get("message") if isinstance(error, dict) else error
        raise DownloadError(f"{url}: the service refused the query: {message}")
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise DownloadError(f"{url}: the answer is not a GeoJSON FeatureCollection")
    return data


def lsoas_of_districts(lookup_path: str | Path, districts: list[str]) -> dict[str, list[str]]:
    """The 2021 LSOA codes in each district (LAD code), from the ONS best-fit lookup."""
    from csp_analysis.io.lookups import read_lsoa_lookup

    lookup = read_lsoa_lookup(lookup_path)
    wanted = set(districts)
    out: dict[str, list[str]] = {d: [] for d in districts}
    for lsoa, lad in lookup.lad_of.items():
        if lad in wanted:
            out[lad].append(lsoa)
    return {lad: sorted(codes) for lad, codes in out.items()}


def download_boundaries(
    force: str,
    lookup_path: str | Path,
    out_dir: str | Path,
    url: str | None = None,
) -> BoundaryDownload:
    """Download the LSOA boundaries of a force's districts, one GeoJSON file per district.

    Parameters
    ----------
    force : str
        Force id (``csp-analysis areas`` lists them), e.g. ``west-mercia``.
    lookup_path : str or Path
        The ONS LSOA (2021) to LAD best-fit lookup CSV.
    out_dir : str or Path
        Folder for ``<LAD code>.geojson``.
    url : str, optional
        The layer's query URL (default ``$CSP_ANALYSIS_ONS_LSOA_URL`` or :data:`DEFAULT_URL`).

    Raises
    ------
    DownloadError
        The service cannot be reached, refuses the query or does not answer GeoJSON.
    UnknownNameError
        An unknown force (listing the valid ones).
    """
    from csp_analysis.core.registry import load_registry

    url = url or os.environ.get(URL_ENV) or DEFAULT_URL
    registry = load_registry()
    the_force = registry.force(force)
    districts = sorted({code for csp in the_force.csps for code in csp.lad_codes})
    by_district = lsoas_of_districts(lookup_path, districts)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = BoundaryDownload()
    for lad, codes in by_district.items():
        features: list[dict] = []
        for start in range(0, len(codes), BATCH):
            batch = codes[start : start + BATCH]
            answer = _query(url, batch)
            wanted = set(batch)
            for feature in answer.get("features") or []:
                code = str((feature.get("properties") or {}).get("LSOA21CD", ""))
                if code in wanted:
                    features.append(feature)
                    wanted.discard(code)
            result.missing.extend(sorted(wanted))
        if not codes:
            continue
        path = out / f"{lad}.geojson"
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(
            json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
        )
        tmp.replace(path)
        result.files.append(path)
        result.lsoas += len(features)
    return result


def add_arguments(parser) -> None:
    """Arguments of ``csp-analysis download-boundaries``."""
    parser.add_argument("--force", required=True, help="force id, e.g. west-mercia")
    parser.add_argument(
        "--lsoa-lookup",
        required=True,
        metavar="CSV",
        help="ONS LSOA (2021) to LAD best-fit lookup (which LSOAs are in the force's districts)",
    )
    parser.add_argument(
        "--out",
        default=str(RAW_DIR / "boundaries"),
        help="destination folder, one GeoJSON per district (default data/raw/boundaries)",
    )
    parser.add_argument(
        "--url", default=None, help=f"the layer's query URL (default ${URL_ENV} or the ONS portal)"
    )


def run(args) -> int:
    """Run ``csp-analysis download-boundaries``; returns 1 when some LSOAs were not returned."""
    result = download_boundaries(args.force, args.lsoa_lookup, args.out, url=args.url)
    for message in result.messages:
        print(message)
    return 1 if result.missing else 0
