"""Building the walking graph from line layers: noding rules, components, bad input."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from lifecircle.errors import CRSError, NetworkError
from lifecircle.network import graph_from_lines

CRS = "EPSG:32649"


def _lines(*geoms, crs=CRS):
    return gpd.GeoDataFrame(geometry=list(geoms), crs=crs)


def test_lines_crossing_without_shared_vertex_stay_apart():
    g = graph_from_lines(
        _lines(shapely.LineString([(0, 0), (100, 0)]), shapely.LineString([(50, -50), (50, 50)]))
    )
    assert g.n_nodes == 4
    assert g.n_edges == 2
    assert len(g.component_sizes) == 2  # a bridge over a street is no junction


def test_shared_interior_vertex_becomes_a_junction():
    g = graph_from_lines(
        _lines(
            shapely.LineString([(0, 0), (50, 0), (100, 0)]),
            shapely.LineString([(50, 0), (50, 80)]),
        )
    )
    assert g.n_nodes == 4
    assert g.n_edges == 3
    assert sorted(g.edge_length.round(6)) == [50.0, 50.0, 80.0]
    assert g.summary()["components"] == 1


def test_components_are_kept_and_ranked_largest_first():
    g = graph_from_lines(
        _lines(
            shapely.LineString([(0, 0), (10, 0)]),
            shapely.LineString([(100, 0), (110, 0), (120, 0)]),
            shapely.LineString([(120, 0), (130, 0)]),
        )
    )
    assert list(g.component_sizes) == [3, 2]
    assert g.component[g.edge_u[0]] == 1
    assert g.summary()["largest_component_share"] == pytest.approx(0.6)


def test_multilinestrings_are_split_into_parts():
    g = graph_from_lines(_lines(shapely.MultiLineString([[(0, 0), (10, 0)], [(10, 0), (10, 10)]])))
    assert g.n_edges == 2 and g.n_nodes == 3


def test_empty_network_is_an_error():
    with pytest.raises(NetworkError, match="空的"):
        graph_from_lines(_lines())


def test_points_in_a_network_layer_name_the_row():
    with pytest.raises(NetworkError) as err:
        graph_from_lines(
            _lines(shapely.LineString([(0, 0), (1, 0)]), shapely.Point(5, 5)), source="roads.gpkg"
        )
    assert err.value.row == 2
    assert "roads.gpkg" in str(err.value) and "第 2 行" in str(err.value)


def test_degrees_are_refused_with_a_fix():
    with pytest.raises(CRSError, match="米制"):
        graph_from_lines(_lines(shapely.LineString([(113, 28), (113.01, 28)]), crs="EPSG:4326"))


def test_node_crossings_joins_lines_that_cross():
    g = graph_from_lines(
        _lines(shapely.LineString([(0, 0), (100, 0)]), shapely.LineString([(50, -50), (50, 50)])),
        node_crossings=True,
    )
    assert g.n_nodes == 5 and g.n_edges == 4
    assert len(g.component_sizes) == 1


def test_text_attributes_hold_one_object_per_value():
    """A text column read from a file holds a string per row: the graph keeps one per value."""
    n = 300
    lines = gpd.GeoDataFrame(
        {
            # made per row, as a file reader makes them: equal, not the same objects
            "highway": ["".join(["resi", "dential"]) if i % 3 else "".join(["prim", "ary"])
                        for i in range(n)],
            "name": [None if i % 5 == 0 else f"路{i % 7}" for i in range(n)],
        },
        geometry=[shapely.LineString([(10.0 * i, 0), (10.0 * i + 10, 0)]) for i in range(n)],
        crs="EPSG:32649",
    )  # fmt: skip
    g = graph_from_lines(lines)
    highway, name = g.edge_attrs["highway"], g.edge_attrs["name"]
    assert list(highway) == list(lines["highway"]) and list(name) == list(lines["name"])
    assert len({id(v) for v in highway}) == 2
    assert len({id(v) for v in name if isinstance(v, str)}) == 7  # gaps kept as read


def _morton(ix: int, iy: int, bits: int = 16) -> int:
    """The Z-curve code of a grid cell, bit by bit (the reference)."""
    return sum((((ix >> b) & 1) << (2 * b)) | (((iy >> b) & 1) << (2 * b + 1)) for b in range(bits))


def test_nodes_are_numbered_along_a_z_curve():
    import numpy as np

    from lifecircle.network.build import _curve_order

    # a street grid 20 x 15 of 100 m blocks, one edge a line
    parts = [
        shapely.LineString([(100 * i, 100 * j), (100 * (i + 1), 100 * j)])
        for j in range(15)
        for i in range(19)
    ] + [
        shapely.LineString([(100 * i, 100 * j), (100 * i, 100 * (j + 1))])
        for i in range(20)
        for j in range(14)
    ]
    g = graph_from_lines(_lines(*parts))
    assert g.n_nodes == 300 and g.n_edges == 19 * 15 + 20 * 14
    xy = np.column_stack([g.node_x, g.node_y])
    assert (_curve_order(xy) == np.arange(300)).all()  # already in curve order
    span = 1900.0  # the larger side of the box
    codes = [_morton(int(x / span * 65536) if x < span else 65535, int(y / span * 65536))
             for x, y in xy]  # fmt: skip
    assert codes == sorted(codes)
    # neighbours lie near in number: x-then-y numbering put a street's next node 15 away
    gap = np.abs(g.edge_u - g.edge_v)
    assert np.median(gap) <= 3
    # the numbering is the places', not the order the lines come in
    h = graph_from_lines(_lines(*parts[::-1]))
    assert (h.node_x == g.node_x).all() and (h.node_y == g.node_y).all()
