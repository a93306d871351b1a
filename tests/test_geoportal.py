"""ONS boundary download (csp-analysis download-boundaries) against a local stand-in for the
ONS Open Geography Portal's feature service on 127.0.0.1 (never the network).

The stand-in answers the ArcGIS REST query the real service answers (``where=LSOA21CD IN
(...)``, ``f=geojson``) from the real ONS LSOA 2021 boundary files in ../shared/data, so the
download is checked end to end on real boundaries: every West Mercia LSOA the real ONS lookup
names comes back, one file per district, and ``ingest --boundaries`` reads the result.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from csp_analysis.core.exceptions import DownloadError
from csp_analysis.io.geoportal import download_boundaries
from tests.conftest import LSOA_LOOKUP

BOUNDARIES = "ons/boundaries/lsoa21_bgc_west_mercia"


class FeatureService:
    """A feature layer's query endpoint serving given features, or a fixed answer."""

    def __init__(self, features: dict[str, dict], answer: bytes | None = None):
        self.features, self.answer, self.queries = features, answer, 0
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                service.queries += 1
                body = service.answer
                if body is None:
                    assert form["f"] == ["geojson"] and form["outSR"] == ["4326"]
                    codes = re.findall(r"'([EW]\d{8})'", form["where"][0])
                    found = [service.features[c] for c in codes if c in service.features]
                    body = json.dumps({"type": "FeatureCollection", "features": found}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/geo+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/FeatureServer/0/query"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


def _real_features(shared: Path) -> dict[str, dict]:
    features = {}
    for path in sorted((shared / BOUNDARIES).glob("*.geojson")):
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            props = feature["properties"]
            # As the ONS service returns them: its own two fields only.
            feature["properties"] = {"LSOA21CD": props["LSOA21CD"], "LSOA21NM": props["LSOA21NM"]}
            features[props["LSOA21CD"]] = feature
    return features


@pytest.mark.realdata
def test_west_mercia_boundaries_download_and_ingest(shared_data, tmp_path):
    from csp_analysis.io.boundaries import read_boundaries

    service = FeatureService(_real_features(shared_data))
    try:
        result = download_boundaries("west-mercia", LSOA_LOOKUP, tmp_path / "b", url=service.url)
    finally:
        service.close()
    assert result.missing == []
    assert result.lsoas == 804  # every 2021 LSOA the ONS lookup puts in the nine districts
    assert sorted(p.name for p in result.files) == sorted(
        p.name for p in (shared_data / BOUNDARIES).glob("*.geojson")
    )
    assert service.queries >= 9  # batches of 100 codes, per district
    loaded = read_boundaries(tmp_path / "b")
    assert loaded.rows_loaded == 804 and loaded.rejections.total == 0


def _small_lookup(tmp_path) -> Path:
    path = tmp_path / "lookup.csv"
    path.write_text(
        "LSOA21CD,LSOA21NM,LAD23CD,LAD23NM\n"
        'E01013982,Herefordshire 001A,E06000019,"Herefordshire, County of"\n'
        'E01013983,Herefordshire 001B,E06000019,"Herefordshire, County of"\n'
        "E01011951,Hartlepool 007A,E06000001,Hartlepool\n",
        encoding="utf-8",
    )
    return path


def test_lsoas_the_service_does_not_return_are_listed(tmp_path):
    feature = {
        "type": "Feature",
        "properties": {"LSOA21CD": "E01013982", "LSOA21NM": "Herefordshire 001A"},
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [0, 0]]]},
    }
    service = FeatureService({"E01013982": feature})
    try:
        result = download_boundaries("west-mercia", _small_lookup(tmp_path), tmp_path / "b",
                                     url=service.url)  # fmt: skip
    finally:
        service.close()
    assert result.lsoas == 1 and result.missing == ["E01013983"]
    assert [p.name for p in result.files] == ["E06000019.geojson"]  # Hartlepool: not the force
    assert "1 LSOAs were not returned by the service: E01013983" in result.messages[1]


@pytest.mark.parametrize(
    "answer, message",
    [
        (b'{"error": {"code": 400, "message": "Invalid query parameters"}}',
         "the service refused the query: Invalid query parameters"),
        (b"<html>maintenance</html>", "the answer is not JSON"),
        (b'{"features": []}', "not a GeoJSON FeatureCollection"),
    ],
)  # fmt: skip
def test_a_bad_answer_is_one_line_naming_the_url(tmp_path, answer, message):
    service = FeatureService({}, answer=answer)
    try:
        with pytest.raises(DownloadError, match=re.escape(message)) as caught:
            download_boundaries("west-mercia", _small_lookup(tmp_path), tmp_path / "b",
                                url=service.url)  # fmt: skip
    finally:
        service.close()
    assert service.url in str(caught.value) and "\n" not in str(caught.value)


def test_an_unreachable_service_is_one_line(tmp_path):
    with pytest.raises(DownloadError, match="cannot reach the service"):
        download_boundaries("west-mercia", _small_lookup(tmp_path), tmp_path / "b",
                            url="http://127.0.0.1:9/query")  # fmt: skip
