"""Bank statement lines (银行对账单): imported, matched to the fund's cash entries (by the
machine or by hand), and — for the bank's own lines, a fee or interest — booked.

A line matches entries whose cash movement adds up to its amount, dated within a window of
its date, that its reference or counterparty names: one entry (an income, a payment), or
every payment of a batch the bank paid as one debit. Matching by hand takes any entries
of the same sum. A bank-only line becomes an entry through the one posting path, with a
`bank` document, matched to the line it came from.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, delete, select

from carefund.access.users import Action, require
from carefund.audit import write_audit
from carefund.bank.bank_sheets import (
    STATEMENT_PRESETS,
    STATEMENT_REQUIRED,
    LineErrors,
    balance_amount,
    bank_amount,
    bank_date,
    cells_of,
    read_bank_sheet,
    short_text,
    signed_amount,
)
from carefund.bank.cash_entries import CashEntry, cash_entries
from carefund.bank.returns import _earlier_file, _store
from carefund.errors import Conflict, InvalidInput, NotFound
from carefund.events import record_event
from carefund.funds import get_fund
from carefund.limits import MATCH_WINDOW_DAYS_MAX
from carefund.models import BankMatch, BankStatementLine, Fund, User, as_utc, row_id, utcnow
from carefund.money import format_fen
from carefund.validation import is_id

MATCH_WINDOW_DAYS = 3
"""How far apart the book's and the bank's dates of one movement may be, by default."""


@dataclass(frozen=True)
class StatementRow:
    row: int
    booked_on: date
    amount_fen: int
    balance_fen: int
    counterparty: str
    reference: str
    description: str

    def key(self) -> str:
        text = "|".join(
            str(part)
            for part in (
                self.booked_on,
                self.amount_fen,
                self.balance_fen,
                self.counterparty,
                self.reference,
                self.description,
            )
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def import_bank_statement(
    session: Session,
    *,
    fund_code: str,
    data: bytes,
    filename: str = "",
    preset: object = None,
    mapping: object = None,
    actor: User,
) -> dict[str, Any]:
    """Add a statement's lines to the fund's (a line already there is not added twice);
    the same file again changes nothing. Answers how many lines were added."""
    require(actor, Action.bank_transfer)
    fund = get_fund(session, fund_code)
    file_hash = hashlib.sha256(data).hexdigest()
    earlier = _earlier_file(session, row_id(fund), "statement", file_hash)
    if earlier is not None:
        return json.loads(earlier.summary) | {"already_imported": True}
    rows = _checked_rows(data, preset, mapping)
    known = set(
        session.exec(select(BankStatementLine.line_key).where(BankStatementLine.fund_id == fund.id))
    )
    summary: dict[str, Any] = {"fund": fund.code, "filename": filename[:200], "lines": len(rows)}
    stored = _store(session, row_id(fund), "statement", file_hash, filename, summary, actor)
    added = [row for row in rows if row.key() not in known]
    for row in added:
        session.add(_line_of(row, row_id(fund), row_id(stored)))
    session.flush()
    summary |= {
        "file_id": stored.id,
        "added": len(added),
        "repeated": len(rows) - len(added),
        "first_day": min(row.booked_on for row in rows).isoformat(),
        "last_day": max(row.booked_on for row in rows).isoformat(),
    }
    stored.summary = json.dumps(summary, ensure_ascii=False)
    session.add(stored)
    write_audit(
        session,
        actor=actor.username,
        action="bank.statement.imported",
        obj=("bank_file", stored.id),
        detail=summary | {"file_hash": file_hash},
    )
    record_event(session, "bank.statement.imported", summary)
    return summary | {"already_imported": False}


def _checked_rows(data: bytes, preset: object, mapping: object) -> list[StatementRow]:
    sheet = read_bank_sheet(
        data,
        presets=STATEMENT_PRESETS,
        preset=preset,
        mapping=mapping,
        required=STATEMENT_REQUIRED,
    )
    fields = set(sheet.columns.values())
    if "amount" not in fields and not {"debit", "credit"} <= fields:
        raise InvalidInput("对账单应有 金额 一列，或 借方（支出）和 贷方（收入）两列", field="file")
    errors = LineErrors()
    rows = []
    for row, cells in sheet.rows:
        raw = cells_of(sheet, cells)
        booked_on = errors.check(row, "booked_on", bank_date, raw["booked_on"])
        amount = _row_amount(errors, row, raw)
        balance = errors.check(row, "balance", balance_amount, raw["balance"])
        texts = {
            name: errors.check(row, name, short_text, raw.get(name, ""))
            for name in ("counterparty", "reference")
        }
        description = raw.get("description", "")[:200]
        if None in (booked_on, amount, balance, *texts.values()):
            continue
        rows.append(
            StatementRow(
                row,
                booked_on,
                amount,
                balance,
                texts["counterparty"],
                texts["reference"],
                description,
            )
        )
    errors.refuse_if_any("对账单")
    return rows


def _row_amount(errors: LineErrors, row: int, raw: dict[str, str]) -> int | None:
    if "amount" in raw:
        return errors.check(row, "amount", signed_amount, raw["amount"])
    out_text, in_text = raw.get("debit", ""), raw.get("credit", "")
    if bool(_nonzero(out_text)) == bool(_nonzero(in_text)):
        errors.add(row, "amount", "借方和贷方应有且只有一个金额")
        return None
    if _nonzero(out_text):
        out = errors.check(row, "debit", bank_amount, out_text)
        return None if out is None else -out
    return errors.check(row, "credit", bank_amount, in_text)


def _nonzero(text: str) -> str:
    return "" if text.strip() in ("", "0", "0.00", "-", "0.0") else text


def _line_of(row: StatementRow, fund_id: int, file_id: int) -> BankStatementLine:
    return BankStatementLine(
        fund_id=fund_id,
        file_id=file_id,
        line_key=row.key(),
        booked_on=row.booked_on,
        amount_fen=row.amount_fen,
        balance_fen=row.balance_fen,
        counterparty=row.counterparty,
        reference=row.reference,
        description=row.description,
    )


def auto_match(
    session: Session, *, fund_code: str, window_days: object = None, actor: User
) -> dict[str, Any]:
    """Match every unmatched line that one entry (or one batch's payments) accounts for
    without doubt: same amount, within the window, named by reference or counterparty."""
    require(actor, Action.bank_transfer)
    window = _window(window_days)
    fund = get_fund(session, fund_code)
    lines = _unmatched_lines(session, row_id(fund))
    if not lines:
        return {"fund": fund.code, "matched": [], "unmatched": 0}
    start = min(line.booked_on for line in lines) - window
    end = max(line.booked_on for line in lines) + window
    free = [
        e
        for e in cash_entries(session, fund_id=row_id(fund), start=start, end=end)
        if e.line_id is None
    ]
    matched = []
    for line in lines:
        found = _entries_for(line, free, window)
        if found:
            _match(session, line, found, "auto", actor)
            free = [entry for entry in free if entry not in found]
            matched.append(_match_public(line, found))
    if matched:
        write_audit(
            session,
            actor=actor.username,
            action="bank.statement.matched",
            obj=("fund", fund.id),
            detail={"auto": matched},
        )
    return {"fund": fund.code, "matched": matched, "unmatched": len(lines) - len(matched)}


def _window(value: object) -> timedelta:
    if value in (None, ""):
        return timedelta(days=MATCH_WINDOW_DAYS)
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not 0 <= value <= MATCH_WINDOW_DAYS_MAX
    ):
        raise InvalidInput(f"应为 0 到 {MATCH_WINDOW_DAYS_MAX} 的天数", field="window_days")
    return timedelta(days=value)


def _entries_for(
    line: BankStatementLine, free: list[CashEntry], window: timedelta
) -> list[CashEntry]:
    near = [e for e in free if abs(e.entry_date - line.booked_on) <= window]
    text = f"{line.reference} {line.description}"
    named = [
        e
        for e in near
        if e.cash_fen == line.amount_fen
        and (
            (line.reference and line.reference in e.references)
            or (line.counterparty and line.counterparty in e.names)
            or any(reference in text for reference in e.references)
        )
    ]
    if len(named) == 1:
        return named
    batches = {e.batch for e in near if e.batch and e.batch in text}
    if len(batches) == 1:
        batch = batches.pop()
        paid = [e for e in near if e.batch == batch]
        if sum(e.cash_fen for e in paid) == line.amount_fen:
            return paid
    return []


def _unmatched_lines(session: Session, fund_id: int) -> list[BankStatementLine]:
    return list(
        session.exec(
            select(BankStatementLine)
            .where(
                BankStatementLine.fund_id == fund_id, col(BankStatementLine.match_kind).is_(None)
            )
            .order_by(col(BankStatementLine.booked_on), col(BankStatementLine.id))
        )
    )


def _match(
    session: Session, line: BankStatementLine, entries: list[CashEntry], kind: str, actor: User
) -> None:
    for entry in entries:
        session.add(BankMatch(entry_id=entry.entry_id, line_id=row_id(line)))
    line.match_kind = kind
    line.matched_by = actor.username
    line.matched_at = utcnow()
    session.add(line)
    session.flush()


def _match_public(line: BankStatementLine, entries: list[CashEntry]) -> dict[str, Any]:
    return {
        "line_id": line.id,
        "booked_on": line.booked_on.isoformat(),
        "amount": format_fen(line.amount_fen),
        "vouchers": [entry.voucher_no for entry in entries],
    }


def statement_line_row(session: Session, line_id: object) -> BankStatementLine:
    found = session.get(BankStatementLine, line_id) if is_id(line_id) else None
    if found is None:
        raise NotFound(f"对账单行不存在：{line_id}")
    return found


def match_by_hand(
    session: Session, *, line_id: object, vouchers: object, actor: User
) -> dict[str, Any]:
    """Match a line to entries named by voucher number, whose cash adds up to its amount."""
    require(actor, Action.bank_transfer)
    line = statement_line_row(session, line_id)
    if line.match_kind is not None:
        raise Conflict(f"对账单行 #{line.id} 已对上，请先取消")
    if not isinstance(vouchers, list) or not vouchers or len(vouchers) > 5000:
        raise InvalidInput("请列出凭证号", field="vouchers")
    entries = [
        e
        for e in cash_entries(
            session, fund_id=line.fund_id, start=None, end=line.booked_on + timedelta(days=366)
        )
        if e.voucher_no in set(vouchers)
    ]
    missing = set(vouchers) - {e.voucher_no for e in entries}
    if missing:
        raise InvalidInput(
            f"没有这些涉及银行存款的凭证：{'、'.join(sorted(map(str, missing)))}", field="vouchers"
        )
    taken = [e.voucher_no for e in entries if e.line_id is not None]
    if taken:
        raise Conflict(f"凭证已与其他对账单行对上：{'、'.join(taken)}")
    total = sum(e.cash_fen for e in entries)
    if total != line.amount_fen:
        raise Conflict(
            f"凭证合计 {format_fen(total)} 元与对账单金额 {format_fen(line.amount_fen)} 元不符"
        )
    _match(session, line, entries, "manual", actor)
    public = _match_public(line, entries)
    write_audit(
        session,
        actor=actor.username,
        action="bank.statement.matched",
        obj=("bank_statement_line", line.id),
        detail={"manual": public},
    )
    return statement_line_public(session, line)


def unmatch(session: Session, *, line_id: object, actor: User) -> dict[str, Any]:
    """Undo a line's match (a booked line keeps its entry: reverse that instead)."""
    require(actor, Action.bank_transfer)
    line = statement_line_row(session, line_id)
    if line.match_kind is None:
        raise Conflict(f"对账单行 #{line.id} 尚未对上")
    if line.match_kind == "booked":
        raise Conflict("由对账单行生成的凭证不能取消对账；如有错误请冲销该凭证")
    _closed_month_guard(session, line)
    vouchers = _vouchers_of(session, row_id(line))
    session.exec(delete(BankMatch).where(col(BankMatch.line_id) == line.id))  # type: ignore[call-overload]
    line.match_kind = line.matched_by = line.matched_at = None
    session.add(line)
    session.flush()
    write_audit(
        session,
        actor=actor.username,
        action="bank.statement.unmatched",
        obj=("bank_statement_line", line.id),
        detail={"vouchers": vouchers},
    )
    return statement_line_public(session, line)


def _closed_month_guard(session: Session, line: BankStatementLine) -> None:
    from carefund.bank.reconciliation import confirmed_month

    month = f"{line.booked_on.year:04d}-{line.booked_on.month:02d}"
    if confirmed_month(session, line.fund_id, month):
        raise Conflict(f"{month} 的银行对账已确认，不能再改动该月的对账")


def _vouchers_of(session: Session, line_id: int) -> list[str]:
    from carefund.models import JournalEntry

    return list(
        session.exec(
            select(JournalEntry.voucher_no)
            .join(BankMatch, col(BankMatch.entry_id) == JournalEntry.id)
            .where(BankMatch.line_id == line_id)
            .order_by(col(JournalEntry.seq))
        )
    )


def statement_line_public(session: Session, line: BankStatementLine) -> dict[str, Any]:
    return {
        "id": line.id,
        "booked_on": line.booked_on.isoformat(),
        "amount": format_fen(line.amount_fen),
        "balance": format_fen(line.balance_fen),
        "counterparty": line.counterparty,
        "reference": line.reference,
        "description": line.description,
        "match_kind": line.match_kind,
        "matched_by": line.matched_by,
        "matched_at": as_utc(line.matched_at).isoformat() if line.matched_at else None,
        "vouchers": _vouchers_of(session, row_id(line)),
    }


def list_statement_lines(
    session: Session,
    *,
    fund_code: str,
    actor: User,
    unmatched: bool | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """A page of the fund's statement lines by id."""
    require(actor, Action.read)
    fund: Fund = get_fund(session, fund_code)
    query = select(BankStatementLine).where(
        BankStatementLine.fund_id == fund.id, col(BankStatementLine.id) > after_id
    )
    if unmatched is not None:
        column = col(BankStatementLine.match_kind)
        query = query.where(column.is_(None) if unmatched else column.is_not(None))
    rows = session.exec(query.order_by(col(BankStatementLine.id)).limit(limit))
    return [statement_line_public(session, line) for line in rows]
