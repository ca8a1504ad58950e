"""单位 (admin): the organisation tree (区 → 街道 → 社区/村), adding a unit under another,
and granting a user a role on a unit (and every unit below it)."""

from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import get_database
from api.pages.errors import page_router
from api.pages.form_posts import post_form
from api.pages.rendering import render
from api.pages.sessions import PageUser, Posted
from carefund import units
from carefund.access.users import Action, require
from carefund.models import User
from carefund.vocabulary import ROLE_NAMES_ZH

router = page_router()

UNIT_FIELDS = ("code", "name", "parent")
GRANT_FIELDS = ("username", "role", "unit")
MESSAGES = {"created": "单位已添加。", "granted": "角色已授予。", "revoked": "角色已收回。"}


def _tree(session: Session, *, actor: User) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The units an administrator manages and the roles granted on them (admins only)."""
    require(actor, Action.manage_units)
    return units.read_units(session, actor=actor), units.read_all_grants(session, actor=actor)


def _page(
    request: Request,
    user: User,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    status: int = 200,
) -> HTMLResponse:
    rows, grants = get_database(request).read(partial(_tree, actor=user))
    return render(
        request,
        "units/list.html",
        status=status,
        title="单位",
        rows=rows,
        grants=grants,
        values=values or {},
        errors=errors or {},
        parents=[
            (u["code"], f"{u['name']}（{u['code']}）") for u in rows if u["kind"] != "community"
        ],
        everywhere=[(u["code"], f"{u['name']}（{u['code']}）") for u in rows],
        ROLES=list(ROLE_NAMES_ZH.items()),
        ROLE_NAMES=ROLE_NAMES_ZH,
        done=MESSAGES.get(request.query_params.get("done", "")),
    )


@router.get("/units")
def unit_list(request: Request, user: PageUser) -> HTMLResponse:
    return _page(request, user)


@router.post("/units/new")
def create(request: Request, user: PageUser, form: Posted) -> Response:
    values = {name: (form.get(name) or "").strip() for name in UNIT_FIELDS}
    return post_form(
        request,
        partial(units.create_unit, actor=user, **values),
        fields=UNIT_FIELDS,
        again=lambda errors, status: _page(
            request, user, values=values, errors=errors, status=status
        ),
        then=lambda _added: "/units?done=created",
    )


@router.post("/units/grants")
def grant(request: Request, user: PageUser, form: Posted) -> Response:
    return _grant_form(request, user, form, units.grant_role, done="granted", refill=True)


@router.post("/units/grants/revoke")
def revoke(request: Request, user: PageUser, form: Posted) -> Response:
    # A refused revoke is shown above the grant form, which it leaves empty.
    return _grant_form(request, user, form, units.revoke_role, done="revoked", refill=False)


def _grant_form(
    request: Request,
    user: User,
    form: Any,
    change: Callable[..., Any],
    *,
    done: str,
    refill: bool,
) -> Response:
    """Grant or take back a role (`change`) from the posted user, role and unit."""
    values = {name: (form.get(name) or "").strip() for name in GRANT_FIELDS}
    return post_form(
        request,
        partial(change, actor=user, **values),
        fields=GRANT_FIELDS,
        again=lambda errors, status: _page(
            request, user, values=values if refill else None, errors=errors, status=status
        ),
        then=lambda _grants: f"/units?done={done}",
    )
