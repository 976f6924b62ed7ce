"""The help pages: a short guide per role in Chinese, kept as Markdown (``docs/help/``, shipped
in the package as ``lifecircle/web/help/*.md``) and rendered with markdown-it-py."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from markupsafe import Markup

from lifecircle.web.deps import page_actor
from lifecircle.web.render import csrf_guard, render
from lifecircle.workflow.permissions import ROLE_ZH, ROLES, Actor

ActorDep = Annotated[Actor, Depends(page_actor)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_guard)])


@cache
def guide_html(name: str) -> Markup:
    """A guide (``ROLES`` or ``common``) rendered to HTML (raw HTML in the Markdown is not
    passed through)."""
    from markdown_it import MarkdownIt

    text = (resources.files("lifecircle.web") / "help" / f"{name}.md").read_text("utf-8")
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    # a line break inside a Chinese paragraph is no space (the browser would show one)
    md.add_render_rule("softbreak", lambda *_args: "")
    return Markup(md.render(text))  # markdown-it escapes the text (html off)


def _page(request: Request, actor: Actor, role: str) -> Response:
    return render(
        request,
        "help.html",
        {
            "role": role,
            "role_name": ROLE_ZH[role],
            "guide": guide_html(role),
            "common": guide_html("common"),
            "roles": [(r, ROLE_ZH[r]) for r in ROLES],
        },
    )


@router.get("/help")
def help_page(request: Request, actor: ActorDep) -> Response:
    """The guide of the viewer's role (the public's without an account)."""
    return _page(request, actor, actor.role if actor.user_id is not None else "public")


@router.get("/help/{role}")
def help_for_role(request: Request, role: str, actor: ActorDep) -> Response:
    if role not in ROLE_ZH:
        raise HTTPException(404, f"没有角色 {role!r} 的使用指南")
    return _page(request, actor, role)
