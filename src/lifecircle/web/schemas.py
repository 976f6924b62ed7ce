"""The JSON API's shapes (pydantic): what goes in and what comes out of ``/api/v1``."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Problem(BaseModel):
    detail: str = Field(description="中文说明")


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="有效期（秒）")


class MeOut(BaseModel):
    username: str | None
    role: str
    role_zh: str
    street_id: int | None = None
    unit_id: int | None = None
    circles: list[str] = []


class CircleOut(BaseModel):
    """A circle; fields after ``grade_zh`` are for signed-in staff only."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="生活圈编号（如 C01）")
    name: str
    street: str
    population: int | None = None
    grade: str | None = Field(None, description="最新体检等级 NONE/AA/AAA，未体检为 null")
    grade_zh: str
    held_grade: str | None = Field(None, description="联合评定后持有的等级")
    failed_constraints: list[str] | None = None
    projects_total: int | None = None
    projects_open: int | None = None
    projects_overdue: int | None = None


class IndicatorOut(BaseModel):
    id: str
    name_zh: str
    category: str
    value: float | None = None
    threshold: float | None = None
    operator: str | None = None
    unit: str | None = None
    status: str
    margin: float | None = None


class ShortfallOut(BaseModel):
    indicator_id: str
    name_zh: str | None = None
    affected_population: float | None = None
    affected_compounds: list[dict[str, Any]] | None = Field(None, description="仅工作人员可见")
    suggestion: dict[str, Any] | None = Field(
        None,
        description="补短板建议：最少新增设施数与选址（仅工作人员可见；体检带 --suggest 时才有）",
    )


class CircleDetailOut(CircleOut):
    communities: list[str] = []
    checkup_run: str | None = None
    checkup_date: date | None = None
    catalogue: str | None = None
    indicators: list[IndicatorOut] = []
    shortfalls: list[ShortfallOut] = []
    notice: str | None = Field(None, description="示例数据提示")


class StatusChangeOut(BaseModel):
    from_status: str | None
    to_status: str
    on: date
    actor: str | None = None
    note: str | None = None


class ProjectOut(BaseModel):
    """A project; the public sees the fields up to ``progress`` (no cancelled projects)."""

    id: str = Field(description="项目编号")
    name: str
    circle_id: str
    project_type: str
    status: str
    due_date: date
    progress: int
    status_zh: str | None = None
    timeliness: str | None = None
    timeliness_zh: str | None = None
    lead_unit: str | None = None
    co_units: list[str] | None = None
    indicator_ids: list[str] | None = None
    budget_yuan: int | None = None
    funding_source: str | None = None
    start_date: date | None = None
    original_due_date: date | None = None
    completed_date: date | None = None
    note: str | None = None
    version: int | None = None
    history: list[StatusChangeOut] | None = None


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str | None = Field(None, max_length=50, description="项目编号；不填则自动编号")
    name: str = Field(min_length=1, max_length=300)
    circle_id: str = Field(min_length=1, max_length=20)
    project_type: str = Field(description="七个统筹之一（代码或中文）")
    lead_unit: str = Field(description="牵头单位（代码或名称）")
    due_date: date
    co_units: list[str] = []
    indicator_ids: list[str] = []
    budget_yuan: int = Field(0, ge=0, le=10**12)
    funding_source: str = "district_finance"
    start_date: date | None = None
    note: str | None = Field(None, max_length=2000)


class ProjectPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(description="您看到的版本号（乐观锁）")
    name: str | None = Field(None, min_length=1, max_length=300)
    project_type: str | None = None
    budget_yuan: int | None = Field(None, ge=0, le=10**12)
    funding_source: str | None = None
    start_date: date | None = None
    due_date: date | None = None
    note: str | None = Field(None, max_length=2000)
    indicator_ids: list[str] | None = None
    progress: int | None = Field(None, ge=0, le=100)
    status: str | None = Field(None, description="新状态（代码或中文，如 in_progress / 在建）")
    status_note: str | None = Field(
        None, max_length=2000, description="状态变更说明；延期、取消必填"
    )
    new_due_date: date | None = Field(None, description="延期时的新完成时限")
    on: date | None = Field(None, description="变更日期，默认今天")
