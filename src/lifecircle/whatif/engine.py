"""The what-if engine: a checkup prepared once, then edits applied in milliseconds."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from lifecircle.checkup.result import CheckupResult
from lifecircle.checkup.run import _manual_lookup, _summary
from lifecircle.errors import InputError
from lifecircle.standards import Catalogue, load_catalogue, load_taxonomy
from lifecircle.whatif.edits import Edit
from lifecircle.whatif.regrade import regrade_circle, regrade_district, same_circle
from lifecircle.whatif.state import NEAREST_ID, NEAREST_M, Base
from lifecircle.whatif.work import Work

if TYPE_CHECKING:
    from lifecircle.checkup.run import Checkup

SCENARIO_NOTE = (
    "情景推演结果，并非实测体检：在体检 {base} 的基础上{edits}，重新计算受影响的小区与生活圈。"
)


class WhatIf:
    """A checkup prepared for what-ifs: add, move or remove facilities and compounds.

    Preparing snaps every compound and facility as the access engine did and computes,
    per category, the walk from every node of the network to its nearest facility (a
    few seconds on a large district). Each what-if then recomputes only the homes
    within reach of its changes (a search from a new site that stops where it no
    longer improves; for a removed one, the nodes it served, filled again from their
    neighbours; bounded searches for counts and 2SFCA within the largest radius) and
    grades again only the circles touched. The answer equals a full ``run_checkup`` on
    the edited district (distances and counts exactly, 2SFCA supply to ~1e-12).

    Parameters
    ----------
    checkup : Checkup
        From `lifecircle.checkup.run_checkup` (in memory: the district, its network and
        the access table).
    catalogue : Catalogue, optional
        The catalogue it was graded against; by default the built-in one the checkup
        names (its version must match).
    warm : bool
        Compute every category's field now (default), so the first what-if is as fast
        as the others.
    """

    def __init__(self, checkup: Checkup, catalogue: Catalogue | None = None, *, warm: bool = True):
        self.checkup = checkup
        result, district = checkup.result, checkup.district
        self.catalogue = catalogue if catalogue is not None else _catalogue_of(result)
        access = checkup.access
        self.label = dict(zip(access.radii_m, access.radius_labels, strict=True))
        self.manual = _manual_lookup(district.manual_values, self.catalogue, [])
        inds = list(self.catalogue.indicators)
        self.circle_inds = [i for i in inds if i.scope == "circle"]
        self.district_inds = [i for i in inds if i.scope == "district"]
        wanted = {c for i in inds for c in i.facility_categories}
        homes = checkup.homes
        comp = district.compounds
        geom = comp.set_index(comp["id"].astype(str)).geometry.reindex(homes["id"].astype(str))
        self.base = Base.prepare(
            district.graph,
            homes,
            geom.to_numpy(),
            district.facilities,
            radii=tuple(access.radii_m),
            labels=tuple(access.radius_labels),
            wanted=wanted,
            max_snap_m=float(result.run.options.get("max_snap_m", 200.0)),
        )
        fac = pd.DataFrame(district.facilities.drop(columns="geometry"))
        fac = pd.DataFrame(
            {
                c: fac[c].to_numpy(dtype=object)
                if not pd.api.types.is_numeric_dtype(fac[c])
                else fac[c].to_numpy()
                for c in fac.columns
            }
        )
        fac["id"] = fac["id"].astype(str)
        self.fac_frame = fac
        key = fac["circle_id"].astype(str).to_numpy()
        self.fac_group_idx = {
            k: np.flatnonzero(key == k).astype(np.int64) for k in dict.fromkeys(key.tolist())
        }
        self.fac_groups = {
            k: fac.iloc[v].reset_index(drop=True) for k, v in self.fac_group_idx.items()
        }
        circles = district.circles
        self.circle_ids = [str(c) for c in circles["circle_id"]]
        self.circle_polys = np.asarray(circles.geometry.values, dtype=object)
        self.circle_street = dict(zip(self.circle_ids, circles["street"].astype(str), strict=True))
        self.community_circle = {
            str(n): cid
            for cid, names in zip(self.circle_ids, circles["communities"], strict=True)
            for n in names
        }
        self.first_community = {
            cid: (str(names[0]) if len(names) else "")
            for cid, names in zip(self.circle_ids, circles["communities"], strict=True)
        }
        self.communities = district.communities
        self.crs = district.crs
        self.to_crs = pyproj.Transformer.from_crs("EPSG:4326", district.crs, always_xy=True)
        self.to_wgs = pyproj.Transformer.from_crs(district.crs, "EPSG:4326", always_xy=True)
        self.attr_frame = homes[[c for c in homes.columns if not _access_or_trace(c)]]
        self.categories = sorted(
            c[len(NEAREST_M) :] for c in homes.columns if c.startswith(NEAREST_M)
        )
        if warm:
            for cat in self.categories:
                self.base.field(cat)

    # --- places --------------------------------------------------------------------------

    def place(self, edit: Edit) -> tuple[Any, float, float]:
        """The edit's point in the district's CRS, and its WGS-84 lon, lat.

        Parameters
        ----------
        edit : Edit
            An edit with ``x``/``y`` (district CRS) or ``lon``/``lat`` (WGS-84).

        Returns
        -------
        point : shapely.Point
            The place in the district's CRS.
        lon, lat : float
            The place in WGS-84.
        """
        if edit.x is not None and edit.y is not None:
            x, y = float(edit.x), float(edit.y)
            lon, lat = self.to_wgs.transform(x, y)
        else:
            lon, lat = float(edit.lon or 0.0), float(edit.lat or 0.0)
            x, y = self.to_crs.transform(lon, lat)
        return shapely.Point(x, y), float(lon), float(lat)

    def locate(self, point: Any) -> str | None:
        """The first circle (table order) whose outline holds ``point`` (boundary included).

        Parameters
        ----------
        point : shapely.Point
            A place in the district's CRS.

        Returns
        -------
        str or None
            The circle's id, or ``None`` when no circle holds the point.
        """
        for cid, poly in zip(self.circle_ids, self.circle_polys, strict=True):
            if poly is not None and shapely.intersects(poly, point):
                return cid
        return None

    # --- applying ------------------------------------------------------------------------

    def apply(self, edits: Sequence[Edit]) -> Outcome:
        """The checkup after ``edits``, in order.

        Parameters
        ----------
        edits : sequence of Edit
            What to add, move or remove (`lifecircle.whatif.Edit`, or build them with
            `lifecircle.whatif.Scenario`).

        Returns
        -------
        Outcome
            ``.result`` (a `CheckupResult` whose ``run.scenario`` lists the edits), the
            circles changed, and the edited tables.

        Raises
        ------
        InputError
            An id that names no facility or compound, an id already taken, a new
            compound outside every circle, an unknown community (Chinese, with the fix).
        """
        t0 = time.perf_counter()
        work = Work(self.base)
        done: list[Edit] = []
        for row, edit in enumerate(edits, start=1):
            done.append(self._one(work, edit, row))
        return self._outcome(work, done, t0)

    def _one(self, work: Work, edit: Edit, row: int) -> Edit:
        tax = load_taxonomy()
        if edit.op in ("remove_facility", "move_facility"):
            j = work.fac_index(str(edit.id))
            if j < 0:
                raise InputError(
                    f"没有编号为 {edit.id!r} 的设施（或已撤除）",
                    row=row,
                    field="id",
                    fix="用体检 facilities 图层中的设施编号 id。",
                )
            attrs = self._facility_row(work, j)
            work.remove_facility(j)
            if edit.op == "remove_facility":
                return dataclasses.replace(edit, category=attrs["category"])
            point, lon, lat = self.place(edit)
            circle = self.locate(point)
            k = work.add_facility(attrs, point, circle)
            work.moved[j] = k
            return dataclasses.replace(edit, category=attrs["category"], lon=lon, lat=lat)
        if edit.op == "add_facility":
            cat = str(edit.category)
            point, lon, lat = self.place(edit)
            fid = edit.id or _fresh(work.fac_id_taken, "新增设施")
            if work.fac_id_taken(fid):
                raise InputError(
                    f"设施编号 {fid!r} 已被占用",
                    row=row,
                    field="id",
                    fix="换一个编号，或留空自动编号。",
                )
            row_ = {
                "id": fid,
                "name": edit.name or f"新增{tax.name_zh(cat) if cat in tax else cat}",
                "category": cat,
                "capacity": edit.capacity,
                "floor_area_m2": edit.floor_area_m2,
            }
            work.add_facility(row_, point, self.locate(point))
            return dataclasses.replace(edit, id=fid, lon=lon, lat=lat)
        if edit.op == "add_compound":
            point, lon, lat = self.place(edit)
            cid, community = self._compound_home(point, edit.community, row)
            hid = edit.id or _fresh(work.home_id_taken, "新增小区")
            if work.home_id_taken(hid):
                raise InputError(
                    f"小区编号 {hid!r} 已被占用",
                    row=row,
                    field="id",
                    fix="换一个编号，或留空自动编号。",
                )
            attrs = self._compound_row(hid, edit, cid, community)
            cats = [c[len(NEAREST_M) :] for c in work.access_columns() if c.startswith(NEAREST_M)]
            work.add_home(attrs, point, cats)
            return dataclasses.replace(edit, id=hid, lon=lon, lat=lat, community=community)
        i = work.home_index(str(edit.id))  # remove_compound
        if i < 0:
            raise InputError(
                f"没有编号为 {edit.id!r} 的小区（或已拆除）",
                row=row,
                field="id",
                fix="用体检 compounds 图层中的小区编号 id。",
            )
        work.remove_home(i)
        return edit

    def _facility_row(self, work: Work, j: int) -> dict[str, Any]:
        n = len(self.fac_frame)
        if j < n:
            rec = self.fac_frame.iloc[j]
            cap = rec.get("capacity")
            area = rec.get("floor_area_m2")
            return {
                "id": str(rec["id"]),
                "name": rec.get("name"),
                "category": str(rec["category"]),
                "capacity": None if cap is None or pd.isna(cap) else float(cap),
                "floor_area_m2": None if area is None or pd.isna(area) else float(area),
            }
        rec = next(r for r in work.new_facilities if r["index"] == j)
        return {k: rec[k] for k in ("id", "name", "category", "capacity", "floor_area_m2")}

    def _compound_home(self, point: Any, community: str | None, row: int) -> tuple[str, str]:
        if community:
            cid = self.community_circle.get(community)
            if cid is None:
                raise InputError(
                    f"社区 {community!r} 不属于任何生活圈",
                    row=row,
                    field="community",
                    fix="用生活圈清单中的社区名称，或留空按位置确定。",
                )
            return cid, community
        cid = self.locate(point)
        if cid is None:
            raise InputError(
                "新增小区的位置不在任何生活圈范围内",
                row=row,
                field="lon",
                fix="把小区放在某个生活圈范围内，或给出所属社区 community。",
            )
        name = self.first_community[cid]
        comms = self.communities
        if comms is not None and len(comms):
            inside = comms[shapely.intersects(np.asarray(comms.geometry.values), point)]
            own = inside[inside["name"].astype(str).map(self.community_circle) == cid]
            if len(own):
                name = str(own["name"].iloc[0])
        return cid, name

    def _compound_row(self, hid: str, edit: Edit, cid: str, community: str) -> dict[str, Any]:
        base = self.base.homes
        row: dict[str, Any] = {c: np.nan for c in base.columns if not _access_or_trace(c)}
        row.update(
            {
                "id": hid,
                "name": edit.name or "新增小区",
                "community": community,
                "street": self.circle_street.get(cid, ""),
                "population": float(edit.population or 0.0),
                "circle_id": cid,
            }
        )
        if "households" in base.columns:
            row["households"] = np.nan if edit.households is None else float(edit.households)
        return row

    # --- the answer ----------------------------------------------------------------------

    def _outcome(self, work: Work, edits: list[Edit], t0: float) -> Outcome:
        before = self.checkup.result
        tax_wanted = self.base.wanted
        # a category nobody has any more, and no indicator asks for, has no columns
        for cat in sorted(work.categories_changed - tax_wanted):
            if not ((work.fac_category == cat) & work.facs.alive).any():
                for name in list(work.access_columns()):
                    if name.endswith(f"__{cat}"):
                        work.cols.pop(name, None)
                        work.dropped.add(name)
        access = work.access_columns()
        touched = set(work.circles_touched)
        touched.update(str(c) for c in work.home_circle[sorted(work.changed_homes)])
        cats = work.categories_changed

        def changed_for(populated: bool) -> Any:
            return lambda ind: populated or bool(cats.intersection(ind.facility_categories))

        circles = []
        changed_ids = []
        for c in before.circles:
            if c.id not in touched:
                circles.append(c)
                continue
            populated = c.id in work.circles_populated
            redo = changed_for(populated)
            need = None if populated else _categories(self.circle_inds, redo)
            new = regrade_circle(
                c,
                self._frame(work, work.rows_of(c.id), need, access),
                self._facilities_of(work, c.id),
                catalogue=self.catalogue,
                indicators=self.circle_inds,
                label=self.label,
                manual=self.manual,
                changed=redo,
            )
            circles.append(new)
            if not same_circle(c, new):
                changed_ids.append(c.id)
        alive = np.flatnonzero(work.homes.alive).astype(np.int64)
        redo = changed_for(bool(work.circles_populated))
        need = _categories(self.district_inds, redo)
        everyone = (
            self._frame(work, alive, need, access)
            if any(redo(i) for i in self.district_inds)
            else pd.DataFrame({"population": work.home_pop[alive]})
        )
        district = regrade_district(
            before.district_indicators,
            everyone,
            lambda: self._all_facilities(work),
            indicators=self.district_inds,
            label=self.label,
            manual=self.manual,
            changed=redo,
        )
        scenario = {
            "base_run": before.run.id,
            "edits": [e.to_dict() for e in edits],
            "note": SCENARIO_NOTE.format(
                base=before.run.id, edits="；".join(e.label for e in edits) or "不作改动"
            ),
            "changed_circles": changed_ids,
        }
        trace = json.dumps([before.run.id, scenario["edits"]], sort_keys=True, ensure_ascii=False)
        run = dataclasses.replace(
            before.run,
            id=hashlib.sha256(trace.encode()).hexdigest()[:16],
            created_at=_now(),
            scenario=scenario,
        )
        result = CheckupResult(
            run=run,
            summary=_summary(circles, district, everyone),
            district_indicators=district,
            circles=circles,
            warnings=list(before.warnings) + _warnings(work),
        )
        return Outcome(
            engine=self,
            work=work,
            result=result,
            edits=tuple(edits),
            changed_circles=tuple(changed_ids),
            touched_circles=tuple(c.id for c in before.circles if c.id in touched),
            seconds=time.perf_counter() - t0,
        )

    def _frame(
        self, work: Work, idx: np.ndarray, cats: set[str] | None, access: list[str]
    ) -> pd.DataFrame:
        """Homes ``idx`` with their attributes and the access columns of ``cats`` (None:
        every one): what the checkup's evaluation reads."""
        n = work.n_base_homes
        old, new = idx[idx < n], idx[idx >= n]
        attrs = self.attr_frame.iloc[old]
        if len(new):
            rows = {r["index"]: r for r in work.new_homes}
            extra = pd.DataFrame([rows[int(i)] for i in new], columns=attrs.columns)
            attrs = pd.concat([attrs, extra], ignore_index=True)
        else:
            attrs = attrs.reset_index(drop=True)
        wanted = [  # what the evaluation reads: walks and 2SFCA supply, never the ids
            c
            for c in access
            if c.startswith((NEAREST_M, "supply_per_1000_"))
            and (cats is None or c.rsplit("__", 1)[-1] in cats)
        ]
        values = pd.DataFrame({c: work.values(c, idx) for c in wanted}, index=attrs.index)
        return pd.concat([attrs, values], axis=1)

    def _facilities_of(self, work: Work, cid: str) -> pd.DataFrame:
        g = self.fac_groups.get(cid)
        idx = self.fac_group_idx.get(cid)
        new = [
            _plain(r)
            for r in work.new_facilities
            if r["circle_id"] == cid and work.facs.alive[r["index"]]
        ]
        if g is not None and idx is not None and not new and work.facs.alive[idx].all():
            return g  # nothing changed here
        parts = []
        if g is not None and idx is not None:
            parts.append(g.loc[work.facs.alive[idx]])
        if new:
            parts.append(pd.DataFrame(new, columns=self.fac_frame.columns))
        if not parts:
            return self.fac_frame.iloc[:0]
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def _all_facilities(self, work: Work) -> pd.DataFrame:
        n = len(self.fac_frame)
        base = self.fac_frame.loc[work.facs.alive[:n]]
        new = [_plain(r) for r in work.new_facilities if work.facs.alive[r["index"]]]
        if not new:
            return base
        return pd.concat(
            [base, pd.DataFrame(new, columns=self.fac_frame.columns)], ignore_index=True
        )


def _categories(indicators: list[Any], redo: Any) -> set[str]:
    return {c for i in indicators if redo(i) for c in i.facility_categories}


@dataclasses.dataclass(frozen=True, eq=False)
class Outcome:
    """A what-if's answer.

    Attributes
    ----------
    result : CheckupResult
        The checkup after the edits; ``result.run.scenario`` lists them (and says it is a
        scenario); ``result.to_json()`` is a ``checkup.json`` document.
    edits : tuple of Edit
        The edits as applied (ids and places filled in).
    changed_circles : tuple of str
        Circles whose grade, population or some indicator value changed.
    touched_circles : tuple of str
        Circles graded again (some home or facility of theirs was within reach).
    seconds : float
        Time the edits took.
    """

    engine: WhatIf
    work: Work
    result: CheckupResult
    edits: tuple[Edit, ...]
    changed_circles: tuple[str, ...]
    touched_circles: tuple[str, ...]
    seconds: float

    @cached_property
    def homes(self) -> pd.DataFrame:
        """``Checkup.homes`` after the edits (every compound, every access column)."""
        return _homes_now(self.engine.base.homes, self.work)

    @cached_property
    def facilities(self) -> gpd.GeoDataFrame:
        """The district's facilities after the edits (its CRS, ``circle_id`` set)."""
        district = self.engine.checkup.district
        fac = district.facilities
        w = self.work
        base = fac.loc[w.facs.alive[: len(fac)]]
        new = [r for r in w.new_facilities if w.facs.alive[r["index"]]]
        if not new:
            return base
        extra = gpd.GeoDataFrame(
            [{k: v for k, v in r.items() if k != "index"} for r in new],
            geometry="geometry",
            crs=district.crs,
        )
        return gpd.GeoDataFrame(pd.concat([base, extra], ignore_index=True), crs=district.crs)

    @cached_property
    def compounds(self) -> gpd.GeoDataFrame:
        """The district's compounds after the edits (its CRS)."""
        district = self.engine.checkup.district
        comp = district.compounds
        w = self.work
        base = comp.loc[w.homes.alive[: len(comp)]]
        new = [r for r in w.new_homes if w.homes.alive[r["index"]]]
        if not new:
            return base
        rows = [{c: r.get(c, np.nan) for c in comp.columns if c != "geometry"} for r in new]
        extra = gpd.GeoDataFrame(rows, geometry=[r["geometry"] for r in new], crs=district.crs)
        return gpd.GeoDataFrame(pd.concat([base, extra], ignore_index=True), crs=district.crs)

    def changes(self) -> list[dict[str, Any]]:
        """The circles changed, before and after: what a user looks at first.

        Returns
        -------
        list of dict
            Per changed circle: ``id``, ``name``, ``grade_before``, ``grade_after``,
            ``grade_reason``, ``population``, and ``indicators``: those whose value or
            status changed (``id``, ``name_zh``, ``unit``, ``threshold``,
            ``value_before``, ``value_after``, ``status_before``, ``status_after``).
        """
        before = {c.id: c for c in self.engine.checkup.result.circles}
        out = []
        for c in self.result.circles:
            if c.id not in self.changed_circles:
                continue
            old = before[c.id]
            was = {i.id: i for i in old.indicators}
            inds = []
            for i in c.indicators:
                o = was.get(i.id)
                if o is not None and (o.status, _round(o.value)) == (i.status, _round(i.value)):
                    continue
                inds.append(
                    {
                        "id": i.id,
                        "name_zh": i.name_zh,
                        "unit": i.unit,
                        "threshold": i.threshold,
                        "value_before": None if o is None else _round(o.value),
                        "value_after": _round(i.value),
                        "status_before": None if o is None else o.status,
                        "status_after": i.status,
                    }
                )
            out.append(
                {
                    "id": c.id,
                    "name": c.name,
                    "grade_before": old.grade,
                    "grade_after": c.grade,
                    "grade_reason": c.grade_reason,
                    "population": c.population,
                    "indicators": inds,
                }
            )
        return out

    def checkup(self) -> Checkup:
        """The scenario as a `Checkup` (district with the edited tables; frames, write).

        Returns
        -------
        Checkup
            The scenario's checkup, its district holding the edited compounds and facilities.
        """
        from lifecircle.checkup.run import Checkup

        ck = self.engine.checkup
        district = dataclasses.replace(
            ck.district, compounds=self.compounds, facilities=self.facilities
        )
        return Checkup(result=self.result, access=ck.access, homes=self.homes, district=district)

    def write(self, path: str | os.PathLike[str]) -> str:
        """Write ``result`` as a ``checkup.json`` document (complete or absent).

        Parameters
        ----------
        path : str or path-like
            The ``.json`` file.

        Returns
        -------
        str
            The path written.
        """
        from lifecircle.io import write_atomic

        text = self.result.to_json()
        return str(write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8")))


def _homes_now(base: pd.DataFrame, work: Work) -> pd.DataFrame:
    """``Checkup.homes`` after the edits: changed columns, new rows, removed rows gone."""
    n = work.n_base_homes
    h = base.copy(deep=False)
    drop = [c for c in work.dropped if c in h.columns]
    if drop:
        h = h.drop(columns=drop)
    for name, arr in work.cols.items():
        if name not in work.dropped:
            h[name] = arr[:n]
    if work.new_homes:
        rows = []
        for r in work.new_homes:
            i = r["index"]
            rec = {k: v for k, v in r.items() if k != "index"}
            for name, arr in work.cols.items():
                if name not in work.dropped:
                    rec[name] = arr[i]
            rows.append(rec)
        extra = pd.DataFrame(rows, columns=h.columns)
        h = pd.concat([h, extra.astype(h.dtypes.to_dict(), errors="ignore")], ignore_index=True)
    alive = work.homes.alive
    if not alive.all():
        h = h.loc[alive].reset_index(drop=True)
    return h


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 6)


def _plain(r: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in r.items() if k not in ("geometry", "index")}


def _warnings(work: Work) -> list[dict[str, Any]]:
    off = [r for r in work.new_homes if pd.isna(r.get("snap_m"))]
    if not off:
        return []
    return [
        {
            "code": "scenario_compound_off_network",
            "message": "新增小区距路网超过挂接距离，按不可达计：" + "、".join(r["id"] for r in off),
            "file": None,
            "row": None,
            "field": None,
        }
    ]


def _fresh(taken: Any, prefix: str) -> str:
    k = 1
    while taken(f"{prefix}{k}"):
        k += 1
    return f"{prefix}{k}"


def _access_or_trace(name: str) -> bool:
    return name.startswith((NEAREST_M, NEAREST_ID, "count_", "supply_per_1000_")) or name in (
        "snap_m",
        "component",
    )


def _now() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return when.isoformat(timespec="seconds")


def _catalogue_of(result: CheckupResult) -> Catalogue:
    info = result.run.catalogue
    try:
        cat = load_catalogue(info.id)
    except Exception as exc:  # a catalogue from a file: the caller must give it
        raise InputError(
            f"找不到体检所用的指标体系 {info.id!r}",
            field="catalogue",
            fix="把体检时用的指标体系传给 WhatIf(checkup, catalogue)（命令行：--catalogue）。",
        ) from exc
    if cat.version != info.version:
        raise InputError(
            f"内置指标体系 {info.id} 的版本 {cat.version} 与体检所用的 {info.version} 不同",
            field="catalogue",
            fix="传入体检时用的指标体系文件（命令行：--catalogue）。",
        )
    return cat


__all__ = ["Outcome", "WhatIf"]
