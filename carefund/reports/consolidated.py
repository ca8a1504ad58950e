"""The consolidated statement (合并报表) of a unit: every fund of the unit and the units
below it, each fund's own statement beside their totals.

Each fund's figures are exactly its own statement's (`checked_statement`); the totals are
their sums, field by field, so the consolidated statement reconciles with its funds to the
fen by construction, and checks so again.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from carefund.access.users import Action, require, shown_name
from carefund.models import Fund, Unit, User, utcnow
from carefund.reports.statements import (
    Check,
    PeriodRange,
    Statement,
    checked_statement,
    parse_period,
    statement_json,
)
from carefund.units import get_unit, unit_public
from carefund.vocabulary import Aspect, IncomeSource, MemberCategory


@dataclass(frozen=True)
class ConsolidatedStatement:
    """A unit's funds' statements for one period, and their totals."""

    unit: Unit
    period: PeriodRange
    funds: list[Statement]
    """Each fund's own statement (chain checked), by fund code."""
    totals: Statement
    """Their sums, field by field, with the checks of the sums."""
    generated_at: datetime
    generated_by: str

    @property
    def reconciled(self) -> bool:
        """Every fund's statement reconciled, and so do the totals."""
        return self.totals.reconciled and all(s.reconciled for s in self.funds)


def consolidated_statement(
    session: Session, *, unit_code: str, period: object, actor: User
) -> ConsolidatedStatement:
    """The consolidated statement of a unit (its funds and those of the units below it)."""
    require(actor, Action.read_statements)
    period_range = parse_period(period)
    unit = get_unit(session, unit_code, actor=actor, action=Action.read_statements)
    funds = session.exec(
        select(Fund)
        .join(Unit, col(Unit.id) == col(Fund.unit_id))
        .where(col(Unit.path).startswith(unit.path))
        .order_by(col(Fund.code))
    )
    statements = [checked_statement(session, fund, period_range) for fund in funds]
    return ConsolidatedStatement(
        unit=unit,
        period=period_range,
        funds=statements,
        totals=sum_statements(unit, period_range, statements),
        generated_at=utcnow(),
        generated_by=shown_name(actor),
    )


def sum_statements(unit: Unit, period: PeriodRange, statements: list[Statement]) -> Statement:
    """The field-by-field sums of several funds' statements, checked as one statement is."""

    def total(name: str) -> int:
        return sum(getattr(statement, name) for statement in statements)

    summed = Statement(
        fund_code=unit.code,
        fund_name=unit.name,
        org="",
        period=period,
        opening_fen=total("opening_fen"),
        income_fen={
            source.value: sum(s.income_fen[source.value] for s in statements)
            for source in IncomeSource
        },
        matrix_fen={
            category.value: {
                aspect.value: sum(s.matrix_fen[category.value][aspect.value] for s in statements)
                for aspect in Aspect
            }
            for category in MemberCategory
        },
        expense_accounts_fen=total("expense_accounts_fen"),
        recipients_total_fen=total("recipients_total_fen"),
        closing_fen=total("closing_fen"),
        debits_fen=total("debits_fen"),
        credits_fen=total("credits_fen"),
        entry_count=total("entry_count"),
        recipients_paid=total("recipients_paid"),
        head_hash="",
    )
    return replace(summed, checks=_checks(summed, statements))


def _checks(summed: Statement, statements: list[Statement]) -> list[Check]:
    flow = summed.opening_fen + summed.income_total_fen - summed.disbursed_total_fen
    return [
        Check("合计：期初余额＋收入－支出＝期末余额", flow, summed.closing_fen),
        Check("合计：6×3 矩阵＝支出科目", summed.disbursed_total_fen, summed.expense_accounts_fen),
        Check(
            "合计：6×3 矩阵＝按对象汇总", summed.disbursed_total_fen, summed.recipients_total_fen
        ),
        Check("合计：借方＝贷方", summed.debits_fen, summed.credits_fen),
        Check(
            "合计：期末余额＝各基金期末余额之和",
            summed.closing_fen,
            sum(s.closing_fen for s in statements),
        ),
    ]


def consolidated_json(report: ConsolidatedStatement, parent_code: str | None) -> dict[str, Any]:
    """The consolidated statement as the API answers it: the unit, each fund's statement in
    the fund statement's own shape, and the totals in that shape too."""
    totals = statement_json(report.totals)
    for fund_only in ("fund", "head_hash", "chain", "seal"):
        totals.pop(fund_only)
    return {
        "unit": unit_public(report.unit, parent_code),
        "period": totals.pop("period"),
        "fund_count": len(report.funds),
        "funds": [statement_json(statement) for statement in report.funds],
        "totals": totals,
        "reconciled": report.reconciled,
    }


def consolidated_public(
    session: Session, *, unit_code: str, period: object, actor: User
) -> dict[str, Any]:
    """`consolidated_statement` as JSON (`GET /units/{code}/statements/{period}.json`)."""
    report = consolidated_statement(session, unit_code=unit_code, period=period, actor=actor)
    parent = session.get(Unit, report.unit.parent_id) if report.unit.parent_id else None
    return consolidated_json(report, parent.code if parent else None)


def fund_rows(report: ConsolidatedStatement) -> list[tuple[str, str, list[int]]]:
    """One row per fund and the totals: code, name, and opening, income, disbursed,
    closing in fen (what the PDF and the workbook print)."""

    def figures(statement: Statement) -> list[int]:
        return [
            statement.opening_fen,
            statement.income_total_fen,
            statement.disbursed_total_fen,
            statement.closing_fen,
        ]

    rows = [(s.fund_code, s.fund_name, figures(s)) for s in report.funds]
    return [*rows, ("", "合计", figures(report.totals))]
