"""Typed errors: every message names the file, row and field, and says how to fix it.

Messages are in Chinese, as a user reads them: ``文件 circles.csv，第 4 行，字段 'street'：
街道“东塘”不在本区 处理办法：……``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: the words before the remedy in every message ("处理办法：改为 2024-09-30")
FIX_LABEL = "处理办法："


class LifecircleError(Exception):
    """Base of every error this package raises on purpose."""


@dataclass(eq=False)
class InputError(LifecircleError):
    """Bad input data: names where (file, row, field), what is wrong, and the fix.

    ``row`` is 1-based as a person counts data rows (the header is not a row);
    ``None`` when the problem is not tied to one row.
    """

    message: str
    file: str | None = None
    row: int | None = None
    field: str | None = None
    fix: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"文件 {self.file}")
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.field:
            where.append(f"字段 '{self.field}'")
        text = ("，".join(where) + "：" if where else "") + self.message
        if self.fix:
            text += f" {FIX_LABEL}{self.fix}"
        return text


class SchemaError(InputError):
    """A layer or table does not have the columns, types or values it must have."""


class CRSError(InputError):
    """Coordinates do not fit the coordinate system they claim, or none can be chosen."""


class FileFormatError(InputError):
    """A file cannot be read as what its extension says it is."""


class NetworkError(InputError):
    """The walking network cannot be built or used (no edges, bad geometry)."""


class CatalogueError(InputError):
    """An indicator catalogue is invalid (duplicate id, missing threshold, bad rule)."""


class DistrictError(InputError):
    """A district data package is inconsistent (compound in no circle, unknown community)."""


class ConflictError(LifecircleError):
    """Someone else changed the record first (optimistic concurrency): reload and retry."""

    def __init__(self, message: str, *, entity: str | None = None, key: object = None) -> None:
        super().__init__(message)
        self.entity = entity
        self.key = key


class RuleError(LifecircleError):
    """An action breaks a programme rule (state machine, schedule, evaluation path)."""

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        super().__init__(message + (f" {FIX_LABEL}{fix}" if fix else ""))
        self.fix = fix


class OptionalDependencyError(LifecircleError, ImportError):
    """An optional package is needed for this feature and is not installed."""


class AccessDenied(LifecircleError):
    """The user's role or scope does not allow the action (``workflow.permissions``)."""


class ClusterError(LifecircleError):
    """A dask cluster could not finish the work (workers dying, scheduler gone)."""

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        super().__init__(message + (f" 解决办法：{fix}" if fix else ""))
        self.fix = fix
