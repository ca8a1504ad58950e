"""Statements as JSON: a fund's figures for a month, quarter or year, reconciled."""

from functools import partial
from typing import Annotated

from fastapi import Path

from api.deps import CurrentUser, DatabaseDep
from api.routing import ledger_router
from api.schemas_books import StatementPublic
from carefund.reports import documents

router = ledger_router("statements")

PeriodLabel = Annotated[
    str,
    Path(
        pattern=r"^[0-9]{4}(-[0-9]{2}|-Q[1-4])?$",
        description="2026-11（月）、2026-Q4（季）或 2026（年）",
        examples=["2026-Q4"],
    ),
]


@router.get("/funds/{code}/statements/{period}.json", response_model=StatementPublic)
def get_statement(code: str, period: PeriodLabel, database: DatabaseDep, user: CurrentUser) -> dict:
    """期间报表（auditor、admin、approver）：月 `2026-11`、季 `2026-Q4` 或年 `2026`。"""
    # A closed period's figures are final: the read replica answers them as it is.
    return database.read(
        lambda session: documents.statement_public(
            session, fund_code=code, period=period, actor=user
        ),
        replica=True,
        settled=partial(documents.period_is_final, fund_code=code, period=period),
    )
