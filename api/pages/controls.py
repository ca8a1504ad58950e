"""The money controls page (资金管控): a fund's controls, the money of each source, and the
year's budget against actual. Everybody reads it (an approver sees the figures before
approving); administrators change the controls through the API (`/funds/{code}/controls`,
`/budgets`), which this page names."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from api.deps import get_database
from api.pages.errors import page_router
from api.pages.fund_status import funds_and_current
from api.pages.rendering import render
from api.pages.sessions import PageUser
from carefund import clock, funds
from carefund.controls import budgets, changing

router = page_router()


@router.get("/books/controls")
def controls_page(request: Request, user: PageUser) -> HTMLResponse:
    year = clock.today().year

    def read(session: Session) -> Any:
        every, fund = funds_and_current(session, request)
        if fund is None:
            return every, None, None, None, None
        code = fund.code
        return (
            every,
            fund,
            changing.read_controls(session, fund_code=code, actor=user),
            funds.balances(session, code=code, actor=user)["sources"],
            budgets.read_budgets(session, fund_code=code, year=year, actor=user),
        )

    every, fund, controls, sources, budget = get_database(request).read(read)
    return render(
        request,
        "books/controls.html",
        title="资金管控",
        funds=every,
        fund=fund,
        controls=controls,
        sources=sources,
        budget=budget,
    )
