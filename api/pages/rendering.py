"""How pages are drawn: the templates and their filters, the menu, `render` and `redirect`."""

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from api.pages import charts
from api.request_log import current_request_id
from carefund import clock, limits
from carefund.access.form_tokens import new_form_token
from carefund.access.users import Action, may
from carefund.models import Fund, User
from carefund.money import FEN_PER_YUAN, format_fen_grouped
from carefund.privacy import mask_id_number, mask_phone
from carefund.vocabulary import (
    ACCOUNT_KIND_NAMES_ZH,
    ASPECT_NAMES_ZH,
    CATEGORY_NAMES_ZH,
    ROLE_NAMES_ZH,
    SOURCE_NAMES_ZH,
    STATUS_NAMES_ZH,
    AccountKind,
    Aspect,
    DisbursementStatus,
    IncomeSource,
    MemberCategory,
    Role,
)

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 50
"""Rows per page of a list."""

templates = Jinja2Templates(directory=str(HERE / "templates"))


# ---------------------------------------------------------------------------------------
# How things read: filters for templates


def money(fen: int | None) -> str:
    return "" if fen is None else format_fen_grouped(fen)


def yuan(text: str) -> str:
    """A two-decimal yuan string, as the journal gives it, for people: ¥1,234.56."""
    return format_fen_grouped(int(Decimal(text) * FEN_PER_YUAN))


def date_zh(day: date | datetime | str | None) -> str:
    """2026年11月5日, as a person reads a date."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    return f"{day.year}年{day.month}月{day.day}日"


def moment_zh(moment: datetime | str | None) -> str:
    """2026年11月5日 14:03, in the business time zone (from a datetime or its ISO text, as
    public forms give it)."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = clock.local(moment)
    return f"{date_zh(local)} {local:%H:%M}"


def _name(table: dict[Any, str], enum: type) -> Callable[[str | None], str]:
    def name(value: str | None) -> str:
        if value is None:
            return ""
        try:
            return table[enum(value)]
        except ValueError:
            return value

    return name


templates.env.filters.update(
    money=money,
    yuan=yuan,
    date_zh=date_zh,
    moment_zh=moment_zh,
    category_zh=_name(CATEGORY_NAMES_ZH, MemberCategory),
    aspect_zh=_name(ASPECT_NAMES_ZH, Aspect),
    source_zh=_name(SOURCE_NAMES_ZH, IncomeSource),
    status_zh=_name(STATUS_NAMES_ZH, DisbursementStatus),
    account_kind_zh=_name(ACCOUNT_KIND_NAMES_ZH, AccountKind),
    role_zh=_name(ROLE_NAMES_ZH, Role),
    mask_id=mask_id_number,
    mask_phone=mask_phone,
)


def funds_options(every: list[Fund]) -> list[tuple[str, str]]:
    return [(fund.code, f"{fund.name}（{fund.code}）") for fund in every]


templates.env.globals.update(
    funds_options=funds_options,
    CATEGORIES=list(CATEGORY_NAMES_ZH.items()),
    ASPECTS=list(ASPECT_NAMES_ZH.items()),
    SOURCES=list(SOURCE_NAMES_ZH.items()),
    STATUSES=list(STATUS_NAMES_ZH.items()),
    ACCOUNT_KINDS=list(ACCOUNT_KIND_NAMES_ZH.items()),
    Action=Action,
    limits=limits,
    stacked_bars=charts.stacked_bars,
    heat_map=charts.heat_map,
    budget_bars=charts.budget_bars,
)


def _nav(user: User, path: str) -> list[dict[str, Any]]:
    """The menu, with only what the user's role may use."""
    items: list[tuple[str, str, Action | tuple[Action, ...]]] = [
        ("/", "首页", Action.read),
        ("/incomes", "收入", Action.read),
        ("/recipients", "关爱对象", Action.read),
        ("/disbursements", "支出", Action.read),
        ("/disbursements/approvals", "待审批", Action.approve_disbursement),
        ("/disbursements/payments", "待发放", Action.pay_disbursement),
        ("/plans", "定期计划", Action.read),
        ("/bank", "银行", Action.read),
        ("/books/journal", "账簿", Action.read),
        ("/books/reports", "报表", Action.read_statements),
        # Those who close months and those who check them; a cashier or clerk has no use for it.
        ("/books/periods", "结账", (Action.close_period, Action.read_statements)),
        ("/books/controls", "资金管控", Action.read),
        ("/alerts", "预警", Action.read_alerts),
        ("/users", "用户管理", Action.manage_users),
        ("/units", "单位", Action.manage_units),
        ("/audit", "审计记录", Action.read_audit),
    ]
    shown = [(href, label) for href, label, actions in items if _may_any(user, actions)]
    # The longest matching prefix is the current section, so /disbursements/payments marks
    # 待发放 and not 支出.
    current = max(
        (href for href, _ in shown if path == href or (href != "/" and path.startswith(href))),
        key=len,
        default=None,
    )
    return [{"href": href, "label": label, "current": href == current} for href, label in shown]


def _may_any(user: User, actions: Action | tuple[Action, ...]) -> bool:
    wanted = actions if isinstance(actions, tuple) else (actions,)
    return any(may(user, action) for action in wanted)


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A page, with the user, the menu, the CSRF token every form needs and a maker of the
    one-time token each form carries."""
    user: User | None = getattr(request.state, "user", None)
    base = {
        "user": user,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "nav": _nav(user, request.url.path) if user else [],
        "may": (lambda action: may(user, action)) if user else (lambda action: False),
        "today": clock.today(),
        "errors": {},
        "values": {},
        "query": request.query_params,
        "request_id": current_request_id(),
        "new_form_token": new_form_token,
    }
    return templates.TemplateResponse(request, template, base | context, status_code=status)


def redirect(url: str) -> RedirectResponse:
    """After a POST: see the result with a GET (303), so a reload posts nothing twice."""
    return RedirectResponse(url, status_code=303)


def with_query(path: str, **params: Any) -> str:
    """`path` with the non-empty params as a query string."""
    kept = {key: value for key, value in params.items() if value not in (None, "")}
    return f"{path}?{urlencode(kept)}" if kept else path
