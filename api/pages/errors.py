"""Errors as pages: the page router, whose routes answer domain errors, missing sessions
and CSRF refusals with a page, and the message a person reads for each.

A page route is thin like an API route: it reads the form, calls one `carefund` function
through `database.write` (page routes run in worker threads, so the blocking way is the
right one), and redirects (POST → 303 → GET), or shows the form again with each domain
error next to its field. It reads through `database.read`; `api.deps.get_database(request)`
gives it.
"""

import re
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute, APIRouter
from starlette.exceptions import HTTPException
from starlette.types import Scope, Send

from api.errors import status_for
from api.pages.rendering import render
from api.pages.sessions import CsrfRefused, LoginRequired, PasswordChangeRequired
from api.request_log import current_request_id
from carefund.access.users import Action
from carefund.errors import CarefundError
from carefund.vocabulary import ROLE_NAMES_ZH, Role

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


ACTION_NAMES_ZH = {
    Action.read: "查看账目",
    Action.manage_funds: "开设基金",
    Action.manage_units: "管理单位和授权",
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
    Action.read_alerts: "查看预警",
    Action.handle_alerts: "确认或办结预警",
    Action.scan_alerts: "扫描预警",
    Action.manage_alert_rules: "设置预警规则",
    Action.change_own_password: "修改密码",
    Action.read_audit: "查看审计记录",
    Action.prepare_batch: "编制发放批次",
    Action.bank_transfer: "银行代发与对账",
    Action.confirm_reconciliation: "确认银行对账",
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


def error_status(error: CarefundError) -> int:
    return status_for(error)


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
            except PasswordChangeRequired:
                response = RedirectResponse("/password", status_code=303)
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
        f"<p>请求编号：{current_request_id()}</p>"
    )
    response = HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)
    await response(scope, _no_receive, send)


async def _no_receive() -> dict:
    return {"type": "http.disconnect"}
