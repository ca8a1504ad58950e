"""The dashboard: each fund's money, this month's flow, what waits for the user, the chain."""

from datetime import date
from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from api.deps import get_database
from api.pages.errors import page_router
from api.pages.fund_status import chain_status
from api.pages.rendering import render, with_query
from api.pages.sessions import PageUser
from carefund import alerts, books, clock, funds
from carefund.access.users import Action, may
from carefund.models import User
from carefund.reports import charts, statements

router = page_router()


@router.get("/")
def dashboard(request: Request, user: PageUser) -> HTMLResponse:
    today = clock.today()
    month = statements.parse_period(f"{today:%Y-%m}")

    def read(session: Session) -> Any:
        cards = books.fund_summaries(session, actor=user, month=month)
        for card in cards:
            card["chain"] = chain_status(request, session, card["fund"])
        return cards, _charts(session, user, cards, request.query_params.get("fund"), today)

    cards, fund_charts = get_database(request).read(read)
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
        charts=fund_charts,
        chart_switch=_switch(cards, fund_charts),
        alert_counts=alert_counts,
    )


def _switch(
    cards: list[dict[str, Any]], shown: charts.FundCharts | None
) -> list[tuple[str, str, bool]]:
    """Links to the other funds' charts, when there is more than one fund."""
    if shown is None or len(cards) < 2:
        return []
    return [
        (
            with_query("/", fund=card["fund"].code),
            card["fund"].code,
            card["fund"].code == shown.fund_code,
        )
        for card in cards
    ]


def _charts(
    session: Session, user: User, cards: list[dict[str, Any]], code: str | None, today: date
) -> charts.FundCharts | None:
    """The last twelve months of the fund asked for (`?fund=`), else of the busiest."""
    shown = [card["fund"] for card in cards]
    busiest = funds.busiest_fund(shown)
    if busiest is None:
        return None
    chosen = code if code in {fund.code for fund in shown} else busiest.code
    return charts.dashboard_charts(session, fund_code=chosen, actor=user, today=today)
