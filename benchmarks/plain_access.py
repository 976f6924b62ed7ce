"""What a user could write instead of `lifecircle access`: geopandas + shapely + scipy, one category.

python benchmarks/plain_access.py HOMES.gpkg FACILITIES.gpkg NETWORK.gpkg OUT.parquet [RADIUS]
"""

import sys

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

homes_f, fac_f, net_f, out_f = sys.argv[1:5]
radius = float(sys.argv[5]) if len(sys.argv) > 5 else 1000.0
homes = gpd.read_file(homes_f, engine="pyogrio", use_arrow=True)
fac = gpd.read_file(fac_f, engine="pyogrio", use_arrow=True)
lines = gpd.read_file(net_f, engine="pyogrio", use_arrow=True).geometry.values
ends = np.concatenate([shapely.get_coordinates(shapely.get_point(lines, i)) for i in (0, -1)])
nodes, node_of = np.unique(np.round(ends, 2), axis=0, return_inverse=True)
a, b = np.split(node_of.ravel(), 2)
w = shapely.length(lines)
n = len(nodes)
graph = coo_matrix((np.r_[w, w], (np.r_[a, b], np.r_[b, a])), shape=(n, n)).tocsr()
tree = cKDTree(nodes)
home_d, home_node = tree.query(shapely.get_coordinates(homes.geometry.values))
fac_d, fac_node = tree.query(shapely.get_coordinates(fac.geometry.values))
nearest = dijkstra(graph, directed=False, indices=np.unique(fac_node), min_only=True)
count = np.zeros(n, dtype=np.int64)
for chunk in np.array_split(fac_node, max(1, len(fac_node) // 100)):
    d = dijkstra(graph, directed=False, indices=chunk, limit=radius)
    count += np.isfinite(d).sum(axis=0)
homes["nearest_m"] = nearest[home_node] + home_d
homes["count"] = count[home_node]
homes.to_parquet(out_f)
reached = np.isfinite(homes["nearest_m"])
print(f"{len(homes)} homes, mean nearest {homes['nearest_m'][reached].mean():.1f} m")
