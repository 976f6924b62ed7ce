"""Who may do what: the platform's roles and the one rule table the web pages and API share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lifecircle.errors import AccessDenied, InputError

ROLES = (
    "admin",
    "district",
    "street",
    "circle_leader",
    "unit",
    "assessor",
    "evaluator",
    "public",
)
ROLE_ZH = {
    "admin": "系统管理员",
    "district": "区级（区人居环境局）",
    "street": "街道",
    "circle_leader": "圈长",
    "unit": "责任单位",
    "assessor": "第三方评估机构",
    "evaluator": "评定专家",
    "public": "公众",
}
_ROLE_ALIASES = {
    "管理员": "admin",
    "区级": "district",
    "区人居环境局": "district",
    "总圈长": "district",
    "街道办": "street",
    "街道办事处": "street",
    "副总圈长": "street",
    "单位": "unit",
    "评估机构": "assessor",
    "第三方": "assessor",
    "评定": "evaluator",
    "专家": "evaluator",
    "居民": "public",
}
STAFF = frozenset(ROLES) - {"public"}
# Roles that need a scope, and which one.
SCOPE_OF_ROLE = {"street": "street", "circle_leader": "circles", "unit": "unit"}

ACTIONS_ZH = {
    "circle.read": "查看生活圈",
    "circle.read_internal": "查看生活圈内部数据",
    "map.read": "查看全域一张图",
    "project.read": "查看项目",
    "project.read_internal": "查看项目内部信息",
    "project.create": "新建项目",
    "project.edit": "修改项目",
    "project.transition": "变更项目状态",
    "evidence.upload": "上传佐证材料",
    "evidence.read": "下载佐证材料",
    "feedback.read": "查看居民反馈的联系方式",
    "feedback.handle": "办理居民反馈",
    "user.manage": "管理用户",
    "audit.read": "查看审计日志",
    "schedule.read": "查看任务铺排表",
    "evaluation.read": "查看评定",
    "evaluation.self_assess": "登记居民自评",
    "evaluation.declare": "申报评定",
    "evaluation.review": "区级审核",
    "evaluation.joint": "登记联合评定验收结论",
    "evaluation.publish": "公布评定结果",
    "evaluation.plaque": "登记挂牌",
    "bulletin.read": "查看通报",
    "bulletin.publish": "生成通报",
    "data.import": "导入数据与体检结果",
}
# Who takes each step of the evaluation path (besides the administrator). Steps marked
# "scoped" are taken only for circles within the actor's street or circles.
EVALUATION_ROLES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # action: (roles that may, of those the ones limited to their own scope)
    "evaluation.self_assess": (
        frozenset({"district", "street", "circle_leader", "assessor"}),
        frozenset({"street", "circle_leader"}),
    ),
    "evaluation.declare": (
        frozenset({"district", "street", "circle_leader"}),
        frozenset({"street", "circle_leader"}),
    ),
    "evaluation.review": (frozenset({"district"}), frozenset()),
    "evaluation.joint": (frozenset({"district", "evaluator"}), frozenset()),
    "evaluation.publish": (frozenset({"district"}), frozenset()),
    "evaluation.plaque": (
        frozenset({"district", "street", "circle_leader"}),
        frozenset({"street", "circle_leader"}),
    ),
}
# Acceptance (验收) of a finished project is the district's, never the owner's own.
DISTRICT_ONLY_STATUSES = frozenset({"verified"})
# What the public (no account, or a public account) may read of a project.
PUBLIC_PROJECT_FIELDS = (
    "code",
    "name",
    "circle_id",
    "project_type",
    "status",
    "due_date",
    "progress",
)
HIDDEN_FROM_PUBLIC_STATUSES = frozenset({"cancelled"})


def parse_role(value: str) -> str:
    """A role code from its code or Chinese name (``圈长`` → ``circle_leader``).

    Parameters
    ----------
    value : str
        What the user typed.

    Returns
    -------
    str
        One of ``ROLES``.
    """
    v = (value or "").strip()
    if v in ROLES:
        return v
    for code, zh in ROLE_ZH.items():
        if v == zh or v == zh.split("（")[0]:
            return code
    if v in _ROLE_ALIASES:
        return _ROLE_ALIASES[v]
    raise InputError(
        f"未知角色 {value!r}",
        field="role",
        fix="可用角色：" + "、".join(f"{c}（{z}）" for c, z in ROLE_ZH.items()),
    )


@dataclass(frozen=True)
class Actor:
    """The one acting: a signed-in user (with role and scope) or the anonymous public."""

    name: str
    role: str
    user_id: int | None = None
    street_id: int | None = None
    unit_id: int | None = None
    circle_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    @property
    def role_zh(self) -> str:
        return ROLE_ZH[self.role]


ANONYMOUS = Actor(name="公众", role="public")


@dataclass(frozen=True)
class Scope:
    """Where an object sits: its circle, street and lead unit (any may be unknown)."""

    circle_id: int | None = None
    street_id: int | None = None
    lead_unit_id: int | None = None
    status: str | None = None


def actor_of(user: Any) -> Actor:
    """The ``Actor`` of a ``store.models.User``."""
    return Actor(
        name=user.username,
        role=user.role,
        user_id=user.id,
        street_id=user.street_id,
        unit_id=user.unit_id,
        circle_ids=frozenset(c.id for c in user.circles),
    )


def scope_of_project(project: Any) -> Scope:
    """The scope of a ``store.models.Project`` (its circle must be loadable)."""
    return Scope(
        circle_id=project.circle_id,
        street_id=project.circle.street_id,
        lead_unit_id=project.lead_unit_id,
        status=project.status,
    )


def _in_scope(actor: Actor, scope: Scope) -> bool:
    if actor.role in ("admin", "district"):
        return True
    if actor.role == "street":
        return actor.street_id is not None and scope.street_id == actor.street_id
    if actor.role == "circle_leader":
        return scope.circle_id is not None and scope.circle_id in actor.circle_ids
    if actor.role == "unit":
        return actor.unit_id is not None and scope.lead_unit_id == actor.unit_id
    return False


def can(
    actor: Actor, action: str, scope: Scope | None = None, *, to_status: str | None = None
) -> bool:
    """Whether ``actor`` may do ``action`` on the object at ``scope``.

    Parameters
    ----------
    actor : Actor
        The one acting (``ANONYMOUS`` without an account).
    action : str
        One of ``ACTIONS_ZH``.
    scope : Scope, optional
        Where the object sits; needed for project writes and public project reads.
    to_status : str, optional
        For ``project.transition``: the state asked for.

    Returns
    -------
    bool
    """
    if action not in ACTIONS_ZH:
        raise ValueError(f"unknown action {action!r}")
    role = actor.role
    if role == "admin":
        return True
    if action == "circle.read":
        return True
    if action == "project.read":
        if role in STAFF:
            return True
        return scope is None or scope.status not in HIDDEN_FROM_PUBLIC_STATUSES
    if action in ("circle.read_internal", "map.read", "project.read_internal", "evidence.read"):
        return role in STAFF
    if action in ("feedback.read", "feedback.handle"):
        # residents' messages with name and phone: the circle's leader, its street, the district
        return role in ("district", "street", "circle_leader") and (
            scope is not None and _in_scope(actor, scope)
        )
    if action == "audit.read":
        return role == "district"
    if action == "user.manage":
        return False
    if action in ("schedule.read", "evaluation.read", "bulletin.read"):
        return role in STAFF
    if action in ("bulletin.publish", "data.import"):
        return role == "district"
    if action in EVALUATION_ROLES:
        roles, scoped = EVALUATION_ROLES[action]
        if role not in roles:
            return False
        return role not in scoped or (scope is not None and _in_scope(actor, scope))
    # project writes (evidence.upload is one: who may edit a project may add its evidence)
    if role not in ("district", "street", "circle_leader", "unit"):
        return False
    if action == "project.transition" and to_status in DISTRICT_ONLY_STATUSES:
        return role == "district"
    return scope is not None and _in_scope(actor, scope)


def require(
    actor: Actor, action: str, scope: Scope | None = None, *, to_status: str | None = None
) -> None:
    """Raise ``AccessDenied`` (in Chinese) unless ``can(actor, action, scope)``."""
    if not can(actor, action, scope, to_status=to_status):
        what = ACTIONS_ZH[action]
        if to_status:
            from lifecircle.workflow.projects import STATUS_ZH

            what += f"（改为“{STATUS_ZH.get(to_status, to_status)}”）"
        if actor.role == "public" and actor.user_id is None:
            raise AccessDenied(f"请先登录：{what}需要账号。")
        raise AccessDenied(f"您的角色（{actor.role_zh}）无权{what}，或该对象不在您负责的范围内。")
