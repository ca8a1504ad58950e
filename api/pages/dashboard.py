"""The dashboard: each fund's money, this month's flow, what waits for the user, the chain."""

from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from api.deps import get_database
from api.pages.errors import page_router
from api.pages.fund_status import chain_status
from api.pages.rendering import render
from api.pages.sessions import PageUser
from carefund import alerts, books, clock
from carefund.access.users import Action, may
from carefund.reports import statements

router = page_router()


@router.get("/")
def dashboard(request: Request, user: PageUser) -> HTMLResponse:
    today = clock.today()
    month = statements.parse_period(f"{today:%Y-%m}")

    def read(session: Session) -> Any:
        cards = books.fund_summaries(session, actor=user, month=month)
        for card in cards:
            card["chain"] = chain_status(request, session, card["fund"])
        return cards

    cards = get_database(request).read(read)
    alert_counts = (
        get_database(request).read(partial(alerts.open_counts, actor=user))
        if may(user, Action.read_alerts)
        else None
    )
    # What the user's role is asked to do next (display only: each action checks again).
    waiting = []
    if may(user, Action.approve_disbursement):
        waiting.append(
            ("/disbursements/approvals", sum(c["submitted"] for c in cards), "笔支出等待审批")
        )
    if may(user, Action.pay_disbursement):
        waiting.append(
            ("/disbursements/payments", sum(c["approved"] for c in cards), "笔已审批支出等待发放")
        )
    return render(
        request,
        "dashboard.html",
        title="首页",
        cards=cards,
        month=month,
        waiting=waiting,
        alert_counts=alert_counts,
    )
