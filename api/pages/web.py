"""What every page shares: templates and their filters, the session, CSRF, errors as pages.

Pages authenticate with a signed session cookie (`carefund.access.sessions`), never with the API's
bearer tokens, and every POST carries the session's CSRF token in a hidden field. A page
route is thin like an API route: it reads the form, calls one `carefund` function through
`database.write` (page routes run in worker threads, so the blocking way is the right one),
and redirects (POST → 303 → GET), or shows the form again with each domain error next to
its field. It reads through `database.read`; `api.deps.get_database(request)` gives it.
"""

import hmac
import logging
import re
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute, APIRouter
from fastapi.templating import Jinja2Templates
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.types import Scope, Send

from api.deps import get_database
from api.errors import status_for
from carefund import books, funds, limits
from carefund.access import sessions
from carefund.access.users import Action, may
from carefund.errors import CarefundError, InvalidFields, InvalidInput, NotFound, Unauthenticated
from carefund.models import Fund, User
from carefund.money import FEN_PER_YUAN, format_fen_grouped, parse_amount
from carefund.privacy import mask_id_number, mask_phone
from carefund.settings import get_settings
from carefund.validation import choose
from carefund.vocabulary import (
    ASPECT_NAMES_ZH,
    CATEGORY_NAMES_ZH,
    ROLE_NAMES_ZH,
    SOURCE_NAMES_ZH,
    STATUS_NAMES_ZH,
    Aspect,
    DisbursementStatus,
    IncomeSource,
    MemberCategory,
    Role,
)

log = logging.getLogger("carefund.pages")

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "carefund_session"
LOGIN_COOKIE = "carefund_login"
"""Holds the login form's own CSRF token (there is no session yet to hold it)."""
CSRF_FIELD = "csrf_token"
FORM_FIELDS_MAX = 200
"""The most fields one page form may post."""
PAGE_SIZE = 50
"""Rows per page of a list."""
SECURITY_HEADERS = {
    # Everything the pages need is served from here: no CDN, no inline script or style.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Pages show names and amounts; keep them out of shared caches and the back-forward cache.
    "Cache-Control": "no-store",
}

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
    """2026年11月5日 14:03, in the server's local time (from a datetime or its ISO text)."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone()
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
    Action=Action,
    limits=limits,
)


# ---------------------------------------------------------------------------------------
# Sessions


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to /login."""


class CsrfRefused(Exception):
    """A POST without the session's CSRF token: the page answers 403."""


def signing_secret(request: Request) -> bytes:
    """The cookie-signing secret, read (or made) once per process and database."""
    cache = get_database(request).cache
    secret = cache.get(_SECRET_KEY)
    if secret is None:
        secret = cache[_SECRET_KEY] = get_database(request).write(
            partial(sessions.signing_secret, configured=get_settings().secret_key)
        )
    return secret


_SECRET_KEY = "pages.signing_secret"
_VERIFY_KEY = "pages.verified"


def page_user(request: Request) -> User:
    """The user of this page's session; `LoginRequired` without a valid one."""
    secret = signing_secret(request)
    try:
        ticket = sessions.read_ticket(secret, request.cookies.get(SESSION_COOKIE))
        user = get_database(request).read(partial(sessions.user_for_ticket, ticket=ticket))
    except Unauthenticated:
        raise LoginRequired from None
    request.state.user = user
    request.state.csrf_token = ticket.csrf_token
    return user


PageUser = Annotated[User, Depends(page_user)]


@dataclass
class PostedForm:
    """A posted form whose CSRF token matched: its text fields and its uploaded files."""

    fields: dict[str, str]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """Field → (file name, content), read whole (uploads are bounded by the body limit)."""

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)

    def optional(self, name: str) -> str | None:
        """The field's text, or None when it was left empty."""
        value = self.fields.get(name, "").strip()
        return value or None


async def posted_form(request: Request, user: PageUser) -> PostedForm:
    """The form of a POST, refused (403) unless it carries this session's CSRF token."""
    async with request.form(max_files=1, max_fields=FORM_FIELDS_MAX) as form:
        token = form.get(CSRF_FIELD)
        expected = getattr(request.state, "csrf_token", "")
        if not isinstance(token, str) or not hmac.compare_digest(token, expected):
            raise CsrfRefused
        fields: dict[str, str] = {}
        files: dict[str, tuple[str, bytes]] = {}
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                files[name] = (value.filename or "", await value.read())
            elif name != CSRF_FIELD:
                # A repeated field (checkboxes) keeps every value, comma-joined.
                fields[name] = f"{fields[name]},{value}" if name in fields else value
    return PostedForm(fields, files)


Posted = Annotated[PostedForm, Depends(posted_form)]


# ---------------------------------------------------------------------------------------
# Answers


def _nav(user: User, path: str) -> list[dict[str, Any]]:
    """The menu, with only what the user's role may use."""
    items = [
        ("/", "首页", Action.read),
        ("/incomes", "收入", Action.read),
        ("/recipients", "关爱对象", Action.read),
        ("/disbursements", "支出", Action.read),
        ("/disbursements/approvals", "待审批", Action.approve_disbursement),
        ("/disbursements/payments", "待发放", Action.pay_disbursement),
        ("/plans", "定期计划", Action.read),
        ("/books/journal", "账簿", Action.read),
        ("/books/reports", "报表", Action.read_statements),
        ("/books/periods", "结账", Action.read),
    ]
    shown = [(href, label) for href, label, action in items if may(user, action)]
    # The longest matching prefix is the current section, so /disbursements/payments marks
    # 待发放 and not 支出.
    current = max(
        (href for href, _ in shown if path == href or (href != "/" and path.startswith(href))),
        key=len,
        default=None,
    )
    return [{"href": href, "label": label, "current": href == current} for href, label in shown]


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A page, with the user, the menu and the CSRF token every form needs."""
    user: User | None = getattr(request.state, "user", None)
    base = {
        "user": user,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "nav": _nav(user, request.url.path) if user else [],
        "may": (lambda action: may(user, action)) if user else (lambda action: False),
        "today": date.today(),
        "errors": {},
        "values": {},
        "query": request.query_params,
    }
    return templates.TemplateResponse(request, template, base | context, status_code=status)


def redirect(url: str) -> RedirectResponse:
    """After a POST: see the result with a GET (303), so a reload posts nothing twice."""
    return RedirectResponse(url, status_code=303)


def with_query(path: str, **params: Any) -> str:
    """`path` with the non-empty params as a query string."""
    kept = {key: value for key, value in params.items() if value not in (None, "")}
    return f"{path}?{urlencode(kept)}" if kept else path


ACTION_NAMES_ZH = {
    Action.read: "查看账目",
    Action.manage_funds: "开设基金",
    Action.manage_users: "管理用户",
    Action.record_income: "记录收入",
    Action.reverse_income: "冲销收入",
    Action.manage_recipients: "登记和修改关爱对象",
    Action.submit_disbursement: "提交支出",
    Action.cancel_disbursement: "撤回支出",
    Action.approve_disbursement: "审批支出",
    Action.pay_disbursement: "发放支出",
    Action.reverse_disbursement: "冲销支出",
    Action.manage_plans: "管理定期计划",
    Action.close_period: "结账",
    Action.reopen_period: "反结账",
    Action.read_statements: "查看和下载报表",
    Action.verify: "校验账链",
}
_REFUSED_ROLE = re.compile(r"角色 (\w+) 无权执行此操作（(\w+)）")


def message_for(error: CarefundError) -> str:
    """The domain's message, with a role refusal said in words (not code names)."""
    match = _REFUSED_ROLE.fullmatch(error.message)
    if match and match.group(2) in Action.__members__:
        role = (
            ROLE_NAMES_ZH.get(Role(match.group(1)), match.group(1))
            if (match.group(1) in Role.__members__)
            else match.group(1)
        )
        return f"您的角色（{role}）无权{ACTION_NAMES_ZH[Action(match.group(2))]}。"
    return error.message


def form_errors(
    error: CarefundError, fields: set[str], aliases: dict[str, str] | None = None
) -> dict[str, str]:
    """The domain error as {form field: message}; `_form` when it belongs to no field.
    `InvalidFields` gives every bad field its own message."""
    if isinstance(error, InvalidFields):
        return {
            name if name in fields else "_form": message
            for field, message in error.errors.items()
            if (name := (aliases or {}).get(field, field))
        }
    name = (aliases or {}).get(error.field or "", error.field or "")
    message = message_for(error)
    return {name: message} if name in fields else {"_form": message}


def error_status(error: CarefundError) -> int:
    return status_for(error)


def record_id(text: str) -> int:
    """A path's record id; a path that can name no record is simply not found."""
    if not text.isdigit() or len(text) > 10:
        raise NotFound(f"记录不存在：{text[:20]}", field="id")
    return int(text)


def funds_and_current(session: Any, request: Request) -> tuple[list[Fund], Fund | None]:
    """Every fund, and the one the page is about (`?fund=`, else the first)."""
    return funds.fund_choices(
        session, actor=request.state.user, code=request.query_params.get("fund")
    )


def _error_page(request: Request, status: int, message: str, *, title: str) -> HTMLResponse:
    return render(request, "error.html", status=status, title=title, message=message)


_TITLES = {
    403: "无权操作",
    404: "未找到",
    409: "无法完成",
    413: "内容过大",
    422: "输入有误",
    401: "请登录",
}


CSRF_REFUSAL = "表单缺少有效的安全令牌（CSRF），已拒绝。请返回上一页，刷新后重新提交。"


class PageRoute(APIRoute):
    """A page's route: domain errors, missing sessions and CSRF refusals become pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except LoginRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                response = RedirectResponse(
                    "/login" + (f"?next={quote(target)}" if target != "/" else ""),
                    status_code=303,
                )
            except CsrfRefused:
                response = _error_page(request, 403, CSRF_REFUSAL, title="请求被拒绝")
            except CarefundError as exc:
                status = status_for(exc)
                response = _error_page(
                    request, status, message_for(exc), title=_TITLES.get(status, "出错了")
                )
            except RequestValidationError:
                response = _error_page(request, 404, "页面地址不正确。", title="未找到")
            except HTTPException as exc:
                # Starlette's own refusals (a form with too many fields, a bad multipart).
                response = _error_page(
                    request,
                    exc.status_code,
                    "请求无法处理，请返回上一页重试。",
                    title=_TITLES.get(exc.status_code, "出错了"),
                )
            response.headers.update(SECURITY_HEADERS)
            return response

        return page_handler


def page_router() -> APIRouter:
    return APIRouter(route_class=PageRoute, include_in_schema=False)


async def refuse_with_page(scope: Scope, send: Send, status: int, detail: str) -> None:
    """The pages' answer to a body past the limit: a plain HTML page, not problem+json."""
    body = (
        "<!doctype html><meta charset=utf-8><title>内容过大</title>"
        f"<p>提交的内容过大（{detail}）。请返回上一页。</p>"
    )
    response = HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)
    await response(scope, _no_receive, send)


async def _no_receive() -> dict:
    return {"type": "http.disconnect"}


def parse_optional_date(value: str | None, *, field: str) -> date | None:
    """A filter's date: None when empty, else an ISO date (InvalidInput on its field)."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", field=field) from None


def date_filter(
    start_text: str | None, end_text: str | None, errors: dict[str, str]
) -> tuple[date | None, date | None]:
    """A list's `from`–`to` filter; a bad date is told in `errors` and the filter dropped."""
    try:
        start = parse_optional_date(start_text, field="from")
        return start, parse_optional_date(end_text, field="to")
    except InvalidInput as exc:
        errors[exc.field or "from"] = exc.message
        return None, None


def checked_amount(value: str, *, field: str = "amount") -> int:
    """A form's amount in fen, by `carefund.money.parse_amount`; 不能为空 when left empty."""
    if not value.strip():
        raise InvalidInput("不能为空", field=field)
    return parse_amount(amount_text(value), field=field)


def amount_text(value: str) -> str:
    """An amount as typed by a person, in the form `carefund.money.parse_amount` reads:
    spaces and a leading ¥ dropped, and thousands separators when they group correctly
    (`1,234.56`), never a comma that could be a decimal point (`1,5` stays and is refused)."""
    text = value.strip().replace(" ", "").lstrip("¥￥")
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    return text


_GROUPED = re.compile(r"[1-9][0-9]{0,2}(,[0-9]{3})+(\.[0-9]{1,2})?")


VERIFY_CACHE_SECONDS = 300.0
"""How long a chain check is reused while the fund's head is unchanged. Recomputing the
chain reads every entry, too slow for each view of a busy dashboard; a change made behind
the service's back (which leaves the head as it was) shows within this time."""


def chain_status(request: Request, session: Any, fund: Fund, *, fresh: bool = False) -> Any:
    """`carefund.books.chain_status` of the fund, reused while its head and the time allow;
    `fresh` recomputes it by `carefund.books.verify_fund` (for those who may verify)."""
    cache: dict[str, tuple[int, str, float, Any]] = get_database(request).cache.setdefault(
        _VERIFY_KEY, {}
    )
    known = cache.get(fund.code)
    now = time.monotonic()
    if (
        not fresh
        and known is not None
        and known[:2] == (fund.head_seq, fund.head_hash)
        and now - known[2] < VERIFY_CACHE_SECONDS
    ):
        return known[3]
    # Recomputing on request is the auditor's verification; the cached look is anyone's.
    user = request.state.user
    result = (
        books.verify_fund(session, code=fund.code, actor=user)
        if fresh
        else books.chain_status(session, fund=fund, actor=user)
    )
    cache[fund.code] = (fund.head_seq, fund.head_hash, now, result)
    return result


def field_errors(checks: dict[str, Callable[[], object]]) -> dict[str, str]:
    """Every field's own error, found by running the domain's check of each field alone, so
    that a form shows all its mistakes at once (a use case stops at the first)."""
    errors: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
        except CarefundError as exc:
            errors[name] = exc.message
    return errors


def chosen(enum: type, value: str, *, field: str) -> object:
    """A select's value checked by the domain's `choose`, with 请选择 when none was chosen
    (instead of a list of code values that a person never sees)."""
    if not value:
        raise InvalidInput("请选择", field=field)
    return choose(enum, value, field=field)
