"""Recipients (关爱对象): search and filter the roll, add and edit a member (ID number and
phone only ever masked: the edit form takes a new value but never shows the stored one),
import a CSV/XLSX with every bad row in a table, and each member's history of aid."""

from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import get_database
from api.pages.errors import error_status, page_router
from api.pages.form_posts import post_form
from api.pages.forms import form_errors, record_id
from api.pages.rendering import PAGE_SIZE, render, with_query
from api.pages.sessions import PageUser, Posted
from carefund import disbursements, imports, recipients, units
from carefund.access.users import Action
from carefund.errors import CarefundError, ImportRejected
from carefund.models import User
from carefund.money import parse_amount
from carefund.vocabulary import MemberCategory

router = page_router()

FIELD_NAMES_ZH = {
    "member_no": "党员编号",
    "name": "姓名",
    "category": "党员类别",
    "branch": "所在支部",
    "id_number": "身份证号",
    "phone": "联系电话",
    "address": "家庭住址",
    "account_kind": "账户类型",
    "account_no": "收款账号",
    "account_bank": "开户行",
    "active": "在册状态",
    "file": "文件",
}
RECIPIENT_FIELDS = {
    "member_no",
    "name",
    "category",
    "branch",
    "id_number",
    "phone",
    "address",
    "account_kind",
    "account_no",
    "account_bank",
}
EDIT_FIELDS = ("name", "category", "branch", "address", "account_kind", "account_bank")
"""What the edit form shows as stored (the ID number and phone never)."""
HISTORY_ROWS_MAX = 200
"""Disbursements shown on a member's page, newest first."""
MESSAGES = {"created": "关爱对象已登记。", "updated": "修改已保存。"}


@router.get("/recipients")
def recipient_list(request: Request, user: PageUser) -> HTMLResponse:
    query = request.query_params
    q = query.get("q", "").strip()
    category = query.get("category") or None
    active_text = query.get("active", "")
    active = {"1": True, "0": False}.get(active_text)
    errors: dict[str, str] = {}
    if category is not None and category not in MemberCategory.__members__:
        errors["category"] = "未知的党员类别"
        category = None
    after = query.get("after")

    def read(session: Session) -> Any:
        nonlocal errors
        try:
            rows = recipients.list_recipients(
                session,
                actor=user,
                category=category,
                q=q or None,
                active=active,
                after_id=record_id(after) if after else 0,
                limit=PAGE_SIZE + 1,
            )
        except CarefundError as exc:
            errors |= form_errors(exc, {"q", "category"})
            rows = []
        return rows

    rows = get_database(request).read(read)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    following = (
        with_query("/recipients", q=q, category=category, active=active_text, after=rows[-1]["id"])
        if more
        else None
    )
    return render(
        request,
        "recipients/list.html",
        title="关爱对象",
        rows=rows,
        errors=errors,
        following=following,
        first_page=not after,
        values={"q": q, "category": category or "", "active": active_text},
    )


def _form_page(
    request: Request,
    user: User,
    *,
    values: dict,
    errors: dict,
    recipient_id: int | None = None,
    status: int = 200,
) -> HTMLResponse:
    def read(session: Session) -> tuple[Any, list[tuple[str, str]]]:
        recipient = recipients.recipient_form(session, actor=user, recipient_id=recipient_id)
        choices = units.unit_choices(session, actor=user, action=Action.manage_recipients)
        return recipient, [(u.code, f"{u.name}（{u.code}）") for u in choices]

    recipient, unit_options = get_database(request).read(read)
    if status != 200:
        # Personal data typed in is not echoed back into the page.
        values = values | {"id_number": "", "phone": "", "account_no": ""}
    return render(
        request,
        "recipients/form.html",
        status=status,
        title="修改关爱对象" if recipient else "登记关爱对象",
        values=values,
        errors=errors,
        recipient=recipient,
        unit_options=unit_options,
    )


@router.get("/recipients/new")
def new_form(request: Request, user: PageUser) -> HTMLResponse:
    return _form_page(request, user, values={"active": True}, errors={})


@router.post("/recipients/new")
def create(request: Request, user: PageUser, form: Posted) -> Response:
    values = {name: form.get(name) for name in RECIPIENT_FIELDS}
    unit = form.get("unit") or None
    return post_form(
        request,
        lambda session: recipients.create_recipient(session, actor=user, unit=unit, **values),
        fields=RECIPIENT_FIELDS | {"unit"},
        again=lambda errors, status: _form_page(
            request, user, values=values | {"unit": unit}, errors=errors, status=status
        ),
        then=lambda recipient: f"/recipients/{recipient.id}?done=created",
    )


@router.get("/recipients/import")
def import_form(request: Request, user: PageUser) -> HTMLResponse:
    # The import writes the roll: its form is for who may manage it.
    get_database(request).read(partial(recipients.recipient_form, actor=user))
    return render(
        request,
        "recipients/import.html",
        title="导入关爱对象",
        result=None,
        rejected=None,
        field_names=FIELD_NAMES_ZH,
    )


@router.post("/recipients/import")
async def import_file(request: Request, user: PageUser, form: Posted) -> Response:
    _name, data = form.files.get("file", ("", b""))
    rejected = result = None
    status = 200
    error = ""
    if not data:
        get_database(request).read(partial(recipients.recipient_form, actor=user))
        error, status = "请选择要导入的 CSV 或 XLSX 文件。", 422
    else:
        try:
            # A whole roll is long: a thread of its own, not the group commit.
            result = await get_database(request).write_async(
                lambda session: imports.import_recipients(session, data=data, actor=user),
                short=False,
            )
        except ImportRejected as exc:
            rejected, status = exc, 422
        except CarefundError as exc:
            error, status = exc.message, error_status(exc)
    return render(
        request,
        "recipients/import.html",
        status=status,
        title="导入关爱对象",
        result=result,
        rejected=rejected,
        error=error,
        field_names=FIELD_NAMES_ZH,
    )


@router.get("/recipients/{recipient_id}")
def detail(recipient_id: str, request: Request, user: PageUser) -> HTMLResponse:
    number = record_id(recipient_id)

    def read(session: Session) -> Any:
        recipient = recipients.get_recipient(session, recipient_id=number, actor=user)
        aid = disbursements.list_disbursements(
            session, actor=user, recipient_id=number, newest_first=True, limit=HISTORY_ROWS_MAX
        )
        changes = recipients.recipient_changes(session, recipient_id=number, actor=user)
        return recipient, aid, changes

    recipient, aid, changes = get_database(request).read(read)
    paid = sum(parse_amount(d["amount"]) for d in aid if d["status"] == "paid")
    return render(
        request,
        "recipients/detail.html",
        title=recipient["name"],
        recipient=recipient,
        aid=aid,
        paid_fen=paid,
        changes=changes,
        field_names=FIELD_NAMES_ZH,
        done=MESSAGES.get(request.query_params.get("done", "")),
    )


@router.get("/recipients/{recipient_id}/edit")
def edit_form(recipient_id: str, request: Request, user: PageUser) -> HTMLResponse:
    number = record_id(recipient_id)
    recipient = get_database(request).read(
        partial(recipients.recipient_form, actor=user, recipient_id=number)
    )
    assert recipient is not None
    values = {name: recipient[name] for name in EDIT_FIELDS} | {"active": recipient["active"]}
    return _form_page(request, user, values=values, errors={}, recipient_id=number)


@router.post("/recipients/{recipient_id}/edit")
def edit(recipient_id: str, request: Request, user: PageUser, form: Posted) -> Response:
    number = record_id(recipient_id)
    values: dict = {name: form.get(name) for name in EDIT_FIELDS}
    values["active"] = form.get("active") == "1"
    changes = dict(values)
    # The stored ID number, phone and account number are never shown; an empty box leaves
    # them as they are, and the 清除 box clears them.
    for name in ("id_number", "phone", "account_no"):
        if form.get(f"clear_{name}") == "1":
            changes[name] = ""
        elif form.get(name).strip():
            changes[name] = form.get(name)
    return post_form(
        request,
        lambda session: recipients.update_recipient(
            session, recipient_id=number, actor=user, **changes
        ),
        fields=RECIPIENT_FIELDS,
        again=lambda errors, status: _form_page(
            request, user, values=values, errors=errors, recipient_id=number, status=status
        ),
        then=lambda _recipient: f"/recipients/{number}?done=updated",
    )
