"""The demo district: a believable year of books (2026) for a newcomer to look at.

Two district funds — a care fund (关爱基金) fed by all four sources and a hardship relief
fund (特困党员救助基金) of about 200,000 yuan a year — and a small fund in each of three
streets (街道, each with two communities: `streets.py`), 1,760 members (those living in a
street on its roll) in six categories, more
than 500,000 yuan paid across the 6×3 matrix through submit → approve → pay, the monthly
relief-card plan for 40 members paid through the bank (batch, bank file, return), a few
reversals, January to October closed (the relief fund's months reconciled with its bank
statement first), money controls, and a few early warnings of each grade (`warnings`).

Everything goes through the ordinary use cases, in date order, so the books are exactly
what the service would have written: incomes precede what they pay for, payments are
refused in closed months, approvers never approve their own submissions. A seeded random
generator makes the same books every run (same amounts, memos and hashes); only the
users' passwords and tokens are new each time.
"""

import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund import clock
from carefund.demo import (
    bank_month,
    controls,
    corrections,
    money_in,
    money_out,
    relief_card,
    street_money,
    warnings,
)
from carefund.demo.staff import DemoUser
from carefund.demo.year import DEMO_AS_OF, DEMO_SEED, Year, open_books
from carefund.errors import Conflict
from carefund.funds import funds_public
from carefund.models import Disbursement, Fund, JournalEntry, Recipient, User
from carefund.storage.database import Database


@dataclass
class DemoResult:
    """What was built, and how to log in: passwords and tokens are shown only now."""

    users: list[DemoUser]
    funds: list[dict[str, Any]] = field(default_factory=list)
    recipients: int = 0
    disbursements_paid: int = 0
    paid_fen: int = 0

    def lines(self) -> list[str]:
        """The summary to print for the person who asked for the demo."""
        text = [f"演示区：{self.recipients} 名关爱对象，已发放 {self.disbursements_paid} 笔。"]
        text += [
            f"  {f['code']} {f['name']}：余额 {f['balance']} 元，可用 {f['available']} 元"
            for f in self.funds
        ]
        text.append("用户（密码与令牌只显示这一次）：")
        text += [
            f"  {u.username:<12} {u.role:<12} {u.unit:<9} 密码 {u.password}  令牌 {u.token}"
            for u in self.users
        ]
        text.append(
            "以后要新的登录：carefund user reset-password 用户名（新密码）、"
            "carefund user token 用户名（新令牌）；见 README「Command line」。"
        )
        return text


class DemoRefused(Conflict):
    """The database already holds books, and the demo was not told to replace them."""


def build_demo(database: Database, *, force: bool = False) -> DemoResult:
    """Build the demo district into the database (which must be migrated).

    Refuses a database that already holds funds, members or users, unless `force`, which
    ERASES every table first (the demo has fixed codes and names, so it cannot sit beside
    other books).
    """
    if clock.today() < DEMO_AS_OF:
        raise DemoRefused(f"系统日期早于 {DEMO_AS_OF.isoformat()}，演示账簿的日期会在将来")
    if not force:
        _refuse_unless_empty(database)
    else:
        _erase(database)
    # The parts draw from one seeded generator, so their order here fixes the books.
    year = Year(database, random.Random(DEMO_SEED))
    credentials = open_books(year)
    money_in.care_incomes(year)
    money_in.relief_incomes(year)
    money_out.care_programmes(year)
    money_out.care_case_by_case(year)
    bank_month.relief_accounts(year)
    relief_card.relief_plan(year)
    bank_month.reconciled_months(year)
    corrections.corrections(year)
    corrections.closings(year)
    controls.money_controls(year)
    street_money.street_money(year)
    year.run()
    warnings.warnings(year)
    return _result(database, credentials)


def _refuse_unless_empty(database: Database) -> None:
    def count(session: Session) -> dict[str, int]:
        return {
            "基金": session.exec(select(func.count(col(Fund.id)))).one(),
            "记账凭证": session.exec(select(func.count(col(JournalEntry.id)))).one(),
            "关爱对象": session.exec(select(func.count(col(Recipient.id)))).one(),
            "用户": session.exec(select(func.count(col(User.id)))).one(),
        }

    held = database.read(count)
    found = "、".join(f"{name} {count} 条" for name, count in held.items() if count)
    if found:
        raise DemoRefused(
            f"数据库中已有数据（{found}），不加载演示数据；确要清空并重建时使用 --force"
        )


def _erase(database: Database) -> None:
    # The journal's guards forbid deleting entries, so the schema is rebuilt instead.
    from alembic import command

    from carefund.storage.schema import alembic_config, upgrade

    command.downgrade(alembic_config(database.engine), "base")
    upgrade(database.engine)


def _result(database: Database, credentials: list[DemoUser]) -> DemoResult:
    def figures(session: Session) -> tuple[list[dict[str, Any]], Any, int]:
        funds = funds_public(session, list(session.exec(select(Fund).order_by(col(Fund.code)))))
        paid = session.exec(
            select(func.count(), func.coalesce(func.sum(Disbursement.amount_fen), 0)).where(
                Disbursement.status == "paid"
            )
        ).one()
        count = session.exec(select(func.count(col(Recipient.id)))).one()
        return funds, paid, count

    funds, paid, count = database.read(figures)
    return DemoResult(
        users=credentials,
        funds=funds,
        recipients=int(count),
        disbursements_paid=int(paid[0]),
        paid_fen=int(paid[1]),
    )
