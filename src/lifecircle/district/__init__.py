"""District data packages: the manifest, its layers, and the District the checkup consumes."""

from lifecircle.district._dates import parse_data_date
from lifecircle.district.loader import load_district
from lifecircle.district.manifest import read_manifest, schema
from lifecircle.district.model import District
from lifecircle.district.osm import district_from_osm

__all__ = [
    "District",
    "district_from_osm",
    "load_district",
    "parse_data_date",
    "read_manifest",
    "schema",
]
