"""Files of a tiny hand-written district package (lon/lat CSVs, a GeoJSON street grid)."""

from __future__ import annotations

import geopandas as gpd
import shapely

LON0, LAT0, STEP = 113.00, 28.10, 0.002  # Changsha; 0.002 deg ~ 200 m
COMPOUNDS = """id,name,community,street,population,households,lon,lat
K1,甲小区,A社区,东街道,1000,400,113.003,28.103
K2,乙小区,A社区,东街道,500,200,113.005,28.103
K3,丙小区,B社区,东街道,800,300,113.003,28.105
K4,丁小区,C社区,西街道,1200,500,113.013,28.113
K5,戊小区,C社区,西街道,700,250,113.015,28.115
"""
FACILITIES = """id,name,category,capacity,lon,lat
F1,甲幼儿园,幼儿园,120,113.004,28.104
F2,社区卫生站,community_health_station,,113.014,28.114
F3,超市,060400,,113.0145,28.1135
F4,远处药店,pharmacy,,113.019,28.101
"""
CIRCLES = """circle_id,name,street,communities
C1,东一生活圈,东街道,A社区;B社区
C2,西一生活圈,西街道,C社区、D社区
C3,空生活圈,西街道,E社区
"""
MANUAL = """scope,indicator_id,value,evidence,date
district,dt_green_travel_share,76.4,统计公报,2023-12-31
C1,gd_property_management,95,物业台账,2024/03/01
"""


def grid_lines(n: int = 11) -> gpd.GeoDataFrame:
    """A lon/lat street grid of ``n`` x ``n`` lines, 0.002 degree apart."""
    end = (n - 1) * STEP
    lines = [
        shapely.LineString([(LON0 + i * STEP, LAT0), (LON0 + i * STEP, LAT0 + end)])
        for i in range(n)
    ]
    lines += [
        shapely.LineString([(LON0, LAT0 + j * STEP), (LON0 + end, LAT0 + j * STEP)])
        for j in range(n)
    ]
    segs = []
    for line in lines:  # cut at every crossing so the grid is noded
        coords = list(line.coords)
        (x0, y0), (x1, y1) = coords
        for k in range(n - 1):
            a = (x0 + (x1 - x0) * k / (n - 1), y0 + (y1 - y0) * k / (n - 1))
            b = (x0 + (x1 - x0) * (k + 1) / (n - 1), y0 + (y1 - y0) * (k + 1) / (n - 1))
            segs.append(shapely.LineString([a, b]))
    return gpd.GeoDataFrame(
        {"highway": ["residential"] * len(segs)}, geometry=segs, crs="EPSG:4326"
    )


def manifest(**extra: object) -> dict:
    """The tiny package's district.yaml content."""
    doc = {
        "format": "lifecircle-district/1",
        "name": "测试区",
        "admin_code": "430199",
        "coords": "wgs84",
        "layers": {
            "compounds": "compounds.csv",
            "facilities": "facilities.csv",
            "network": "network.geojson",
            "circles": "circles.csv",
            "manual_values": "manual_values.csv",
        },
    }
    doc.update(extra)
    return doc
