"""``lifecircle import maps``: a checkup's map layers into the database for the web's maps."""

from __future__ import annotations

from pathlib import Path

import typer

from lifecircle.cli._programme import ActorOpt, DbOpt, _handle, console, import_app, open_programme


@import_app.command("maps")
@_handle
def import_maps_cmd(
    path: Path = typer.Argument(..., help="体检输出文件夹（含 checkup.json、compounds.gpkg 等）"),
    district: Path | None = typer.Option(
        None, "--district", help="体检所用的区数据包文件夹（网页情景推演据此在内存中重算）"
    ),
    catalogue: Path | None = typer.Option(
        None, "--catalogue", help="体检用的指标体系 YAML（仅当不是内置指标体系时）"
    ),
    db: str | None = DbOpt,
    actor: str | None = ActorOpt,
) -> None:
    """导入体检的地图数据：小区到各类设施的步行距离、设施与服务范围（供网页设施分类地图与情景推演）。

    体检结果尚未入库时一并导入；同一次体检再次导入时替换原有地图数据。
    """
    from sqlalchemy import func, select

    from lifecircle.store.map_models import MapCompound, MapFacility
    from lifecircle.workflow.maps import import_checkup_maps

    with open_programme(db, actor=actor) as s:
        rec = import_checkup_maps(s, path, district=district, catalogue=catalogue)
        n_comp = s.scalar(select(func.count()).where(MapCompound.run_id == rec.run_id))
        n_fac = s.scalar(select(func.count()).where(MapFacility.run_id == rec.run_id))
    console.print(
        f"已导入地图数据：小区 {n_comp} 个、设施 {n_fac} 处、设施类别 {len(rec.categories)} 类"
    )
    if district is None:
        console.print("未给出 --district：网页上的情景推演将不可用（可重新导入并加上区数据包）。")
