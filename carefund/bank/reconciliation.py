"""The monthly bank reconciliation (银行存款余额调节表), bank-only lines booked as entries,
and what closing a month asks of it.

Book side: the cash account's balance at the month's end (银行存款日记账余额); bank side:
the statement's balance after its last line of the month. Items in transit each way: the
book's entries the bank has not shown by then (企业已收银行未收, 企业已付银行未付) and the
bank's lines the books have not (银行已收企业未收, 银行已付企业未付). The adjusted balances
must be equal to the fen. Reconciling starts with the fund's first statement line: what
came before is in the bank's balance of that line.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from carefund.access.users import Action, names_on_documents, require
from carefund.audit import write_audit
from carefund.bank.cash_entries import cash_entries
from carefund.bank.statement_lines import statement_line_public, statement_line_row
from carefund.errors import Conflict, InvalidInput
from carefund.funds import get_fund
from carefund.ledger.accounts import BANK_FEE_ACCOUNT, BANK_INTEREST_ACCOUNT, CASH_ACCOUNT, Line
from carefund.ledger.heads import lock_fund_head
from carefund.ledger.journal import cash_balance_as_of
from carefund.ledger.posting import post_entry
from carefund.models import (
    BankMatch,
    BankReconciliation,
    BankSetting,
    BankStatementLine,
    Fund,
    JournalEntry,
    User,
    as_utc,
    row_id,
    utcnow,
)
from carefund.money import format_fen
from carefund.validation import clean_text


def bank_document(*, line_id: int, amount_fen: int, booked_on: date, description: str) -> dict:
    """What an entry booked from a statement line records (a new `document` kind)."""
    return {
        "kind": "bank",
        "line": line_id,
        "amount": format_fen(amount_fen),
        "booked_on": booked_on.isoformat(),
        "description": description,
    }


def book_statement_line(
    session: Session, *, line_id: object, description: object = None, actor: User
) -> dict[str, Any]:
    """Turn an unmatched bank-only line into an entry: money out → 银行手续费, money in →
    利息收入; posted on the line's date, matched to the line."""
    require(actor, Action.confirm_reconciliation)
    line = statement_line_row(session, line_id)
    text = clean_text(description, field="description", length_max=200) or line.description
    if line.match_kind is not None:
        raise Conflict(f"对账单行 #{line.id} 已对上，不能再记账")
    fund_code = _fund(session, line.fund_id).code
    fund = lock_fund_head(session, fund_code)
    amount = abs(line.amount_fen)
    account = BANK_INTEREST_ACCOUNT if line.amount_fen > 0 else BANK_FEE_ACCOUNT
    lines = (
        [Line(CASH_ACCOUNT, debit_fen=amount), Line(account, credit_fen=amount)]
        if line.amount_fen > 0
        else [Line(account, debit_fen=amount), Line(CASH_ACCOUNT, credit_fen=amount)]
    )
    what = "利息收入" if line.amount_fen > 0 else "银行手续费"
    entry = post_entry(
        session,
        fund=fund,
        entry_date=line.booked_on,
        memo=f"{what}：{text or '银行对账单'}（对账单行 #{line.id}）",
        lines=lines,
        document=bank_document(
            line_id=row_id(line),
            amount_fen=amount,
            booked_on=line.booked_on,
            description=text or "",
        ),
        actor=actor.username,
    )
    session.add(BankMatch(entry_id=entry.id, line_id=row_id(line)))
    line.match_kind, line.matched_by, line.matched_at = "booked", actor.username, utcnow()
    session.add(line)
    session.flush()
    write_audit(
        session,
        actor=actor.username,
        action="bank.statement.booked",
        obj=("bank_statement_line", line.id),
        detail={"voucher_no": entry.voucher_no, "account": account, "amount": format_fen(amount)},
    )
    return statement_line_public(session, line)


def _fund(session: Session, fund_id: int) -> Fund:
    fund = session.get(Fund, fund_id)
    assert fund is not None
    return fund


@dataclass(frozen=True)
class TransitItem:
    """One item in transit: a book entry or a bank line."""

    day: date
    ref: str
    """The voucher number, or the statement line's reference."""
    text: str
    amount_fen: int
    """Unsigned."""


@dataclass(frozen=True)
class Reconciliation:
    """A month's 银行存款余额调节表, as data (JSON, PDF and XLSX are made from it)."""

    fund_code: str
    fund_name: str
    org: str
    month: str
    book_fen: int
    bank_fen: int
    book_in: tuple[TransitItem, ...]
    """企业已收、银行未收."""
    book_out: tuple[TransitItem, ...]
    """企业已付、银行未付."""
    bank_in: tuple[TransitItem, ...]
    """银行已收、企业未收."""
    bank_out: tuple[TransitItem, ...]
    """银行已付、企业未付."""
    confirmed_by: str | None
    confirmed_at: datetime | None

    @property
    def adjusted_bank_fen(self) -> int:
        return self.bank_fen + _sum(self.book_in) - _sum(self.book_out)

    @property
    def adjusted_book_fen(self) -> int:
        return self.book_fen + _sum(self.bank_in) - _sum(self.bank_out)

    @property
    def balanced(self) -> bool:
        return self.adjusted_bank_fen == self.adjusted_book_fen

    def public(self) -> dict[str, Any]:
        def items(found: tuple[TransitItem, ...]) -> list[dict[str, Any]]:
            return [
                {
                    "date": i.day.isoformat(),
                    "ref": i.ref,
                    "text": i.text,
                    "amount": format_fen(i.amount_fen),
                }
                for i in found
            ]

        return {
            "fund": self.fund_code,
            "month": self.month,
            "book_balance": format_fen(self.book_fen),
            "bank_balance": format_fen(self.bank_fen),
            "book_received_bank_not": items(self.book_in),
            "book_paid_bank_not": items(self.book_out),
            "bank_received_book_not": items(self.bank_in),
            "bank_paid_book_not": items(self.bank_out),
            "adjusted_book_balance": format_fen(self.adjusted_book_fen),
            "adjusted_bank_balance": format_fen(self.adjusted_bank_fen),
            "balanced": self.balanced,
            "confirmed_by": self.confirmed_by,
            "confirmed_at": self.confirmed_at.isoformat() if self.confirmed_at else None,
        }


def _sum(items: tuple[TransitItem, ...]) -> int:
    return sum(item.amount_fen for item in items)


def reconcile_month(session: Session, *, fund_code: str, month: str, actor: User) -> Reconciliation:
    """The month's reconciliation as it stands (confirmed or not)."""
    require(actor, Action.read)
    from carefund.periods import parse_month

    first, last = parse_month(month)
    fund = get_fund(session, fund_code, actor=actor)
    return _build(session, fund, month, last)


def _build(session: Session, fund: Fund, month: str, last: date) -> Reconciliation:
    lines = list(
        session.exec(
            select(BankStatementLine)
            .where(BankStatementLine.fund_id == fund.id, col(BankStatementLine.booked_on) <= last)
            .order_by(col(BankStatementLine.booked_on), col(BankStatementLine.id))
        )
    )
    if not lines:
        raise Conflict(f"{fund.code} 没有 {month} 及以前的银行对账单，请先导入对账单")
    cutover = lines[0].booked_on
    line_days = {line.id: line.booked_on for line in lines}
    entries = cash_entries(session, fund_id=row_id(fund), start=cutover, end=last)
    cleared_lines = _cleared_lines(session, [row_id(line) for line in lines], last)
    open_entries = [e for e in entries if e.line_id not in line_days]
    open_lines = [line for line in lines if line.id not in cleared_lines]
    confirmed = confirmed_month(session, row_id(fund), month)
    return Reconciliation(
        fund_code=fund.code,
        fund_name=fund.name,
        org=fund.org,
        month=month,
        book_fen=cash_balance_as_of(session, fund_id=row_id(fund), as_of=last),
        bank_fen=lines[-1].balance_fen,
        book_in=tuple(_entry_item(e) for e in open_entries if e.cash_fen > 0),
        book_out=tuple(_entry_item(e) for e in open_entries if e.cash_fen < 0),
        bank_in=tuple(_line_item(line) for line in open_lines if line.amount_fen > 0),
        bank_out=tuple(_line_item(line) for line in open_lines if line.amount_fen < 0),
        confirmed_by=(
            names_on_documents(session, confirmed.confirmed_by)[confirmed.confirmed_by]
            if confirmed
            else None
        ),
        confirmed_at=as_utc(confirmed.confirmed_at) if confirmed else None,
    )


def _cleared_lines(session: Session, line_ids: list[int], last: date) -> set[int]:
    """Lines whose every matched entry is in the books by the month's end."""
    matched: dict[int, bool] = {}
    for start in range(0, len(line_ids), 900):
        for line_id, entry_date in session.exec(
            select(col(BankMatch.line_id), col(JournalEntry.entry_date))
            .join(JournalEntry, col(JournalEntry.id) == BankMatch.entry_id)
            .where(col(BankMatch.line_id).in_(line_ids[start : start + 900]))
        ):
            matched[line_id] = matched.get(line_id, True) and entry_date <= last
    return {line_id for line_id, cleared in matched.items() if cleared}


def _entry_item(entry: Any) -> TransitItem:
    return TransitItem(entry.entry_date, entry.voucher_no, entry.memo, abs(entry.cash_fen))


def _line_item(line: BankStatementLine) -> TransitItem:
    text = " ".join(part for part in (line.counterparty, line.description) if part)
    return TransitItem(line.booked_on, line.reference or f"#{line.id}", text, abs(line.amount_fen))


def confirmed_month(session: Session, fund_id: int, month: str) -> BankReconciliation | None:
    return session.exec(
        select(BankReconciliation).where(
            BankReconciliation.fund_id == fund_id, BankReconciliation.month == month
        )
    ).first()


def confirm_reconciliation(
    session: Session, *, fund_code: str, month: str, actor: User
) -> dict[str, Any]:
    """An approver confirms the month's reconciliation: only when it balances to the fen."""
    require(actor, Action.confirm_reconciliation)
    from carefund.periods import parse_month

    _first, last = parse_month(month)
    fund = get_fund(session, fund_code, actor=actor, action=Action.confirm_reconciliation)
    if confirmed_month(session, row_id(fund), month):
        raise Conflict(f"{fund.code} {month} 的银行对账已经确认")
    built = _build(session, fund, month, last)
    if not built.balanced:
        raise Conflict(
            f"调节后余额不相等：银行方 {format_fen(built.adjusted_bank_fen)} 元，"
            f"账面方 {format_fen(built.adjusted_book_fen)} 元；请先对账或记账"
        )
    session.add(
        BankReconciliation(
            fund_id=row_id(fund),
            month=month,
            book_balance_fen=built.book_fen,
            bank_balance_fen=built.bank_fen,
            adjusted_fen=built.adjusted_book_fen,
            confirmed_by=actor.username,
        )
    )
    session.flush()
    write_audit(
        session,
        actor=actor.username,
        action="bank.reconciliation.confirmed",
        obj=("fund", fund.id),
        detail={"month": month, "adjusted": format_fen(built.adjusted_book_fen)},
    )
    return _build(session, fund, month, last).public()


def closing_warnings(session: Session, *, fund_id: int, fund_code: str, month: str) -> list[str]:
    """What closing `month` should say of its bank reconciliation; refuses (409) instead
    when the fund requires a confirmed reconciliation before closing."""
    if confirmed_month(session, fund_id, month):
        return []
    message = f"{fund_code} {month} 的银行对账（银行存款余额调节表）尚未确认"
    setting = session.get(BankSetting, fund_id)
    if setting is not None and setting.require_reconciliation:
        raise Conflict(message + "：本基金要求先完成银行对账才能结账")
    return [message]


def set_bank_setting(
    session: Session, *, fund_code: str, require_reconciliation: object, actor: User
) -> dict[str, Any]:
    """Whether closing a month of the fund requires its reconciliation confirmed."""
    require(actor, Action.manage_funds)
    if not isinstance(require_reconciliation, bool):
        raise InvalidInput("应为 true 或 false", field="require_reconciliation")
    fund = get_fund(session, fund_code, actor=actor, action=Action.manage_funds)
    setting = session.get(BankSetting, fund.id) or BankSetting(fund_id=row_id(fund))
    setting.require_reconciliation = require_reconciliation
    session.add(setting)
    session.flush()
    write_audit(
        session,
        actor=actor.username,
        action="bank.setting.changed",
        obj=("fund", fund.id),
        detail={"require_reconciliation": require_reconciliation},
    )
    return {"fund": fund.code, "require_reconciliation": require_reconciliation}


def read_bank_setting(session: Session, *, fund_code: str, actor: User) -> dict[str, Any]:
    require(actor, Action.read)
    fund = get_fund(session, fund_code, actor=actor)
    setting = session.get(BankSetting, fund.id)
    return {
        "fund": fund.code,
        "require_reconciliation": bool(setting and setting.require_reconciliation),
    }
