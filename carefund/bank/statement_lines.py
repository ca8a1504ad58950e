"""Bank statement lines (银行对账单): imported (a line that comes again in an overlapping
statement is not added twice; the same file again changes nothing), read, and shown with
the vouchers they are matched to (`carefund.bank.matching`)."""

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

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
from carefund.bank.kept_files import earlier_file, keep_file
from carefund.errors import InvalidInput, NotFound
from carefund.events import record_event
from carefund.funds import get_fund
from carefund.ledger.heads import lock_fund_head
from carefund.models import BankMatch, BankStatementLine, Fund, JournalEntry, User, as_utc, row_id
from carefund.money import format_fen
from carefund.validation import is_id


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
    fund = get_fund(session, fund_code, actor=actor, action=Action.bank_transfer)
    # Imports of one fund queue on its lock, so that the same file sent twice at once is
    # applied once and answered as already imported the second time.
    lock_fund_head(session, fund.code)
    file_hash = hashlib.sha256(data).hexdigest()
    earlier = earlier_file(session, row_id(fund), "statement", file_hash)
    if earlier is not None:
        return json.loads(earlier.summary) | {"already_imported": True}
    rows = _checked_rows(data, preset, mapping)
    known = set(
        session.exec(select(BankStatementLine.line_key).where(BankStatementLine.fund_id == fund.id))
    )
    summary: dict[str, Any] = {"fund": fund.code, "filename": filename[:200], "lines": len(rows)}
    stored = keep_file(session, row_id(fund), "statement", file_hash, filename, summary, actor)
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
    record_event(session, "bank.statement.imported", summary, unit_id=fund.unit_id)
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
        if booked_on is None or amount is None or balance is None or None in texts.values():
            continue  # the line's errors are listed by refuse_if_any
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


def statement_line_row(session: Session, line_id: object) -> BankStatementLine:
    found = session.get(BankStatementLine, line_id) if is_id(line_id) else None
    if found is None:
        raise NotFound(f"对账单行不存在：{line_id}")
    return found


def vouchers_of(session: Session, line_id: int) -> list[str]:
    """The voucher numbers of the entries a line is matched to, in chain order."""
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
        "vouchers": vouchers_of(session, row_id(line)),
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
    fund: Fund = get_fund(session, fund_code, actor=actor)
    query = select(BankStatementLine).where(
        BankStatementLine.fund_id == fund.id, col(BankStatementLine.id) > after_id
    )
    if unmatched is not None:
        column = col(BankStatementLine.match_kind)
        query = query.where(column.is_(None) if unmatched else column.is_not(None))
    rows = session.exec(query.order_by(col(BankStatementLine.id)).limit(limit))
    return [statement_line_public(session, line) for line in rows]
