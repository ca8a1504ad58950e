"""The bank's return file (回盘文件): what it paid and what it refused, line by line.

A line that succeeded pays its disbursement through `pay_disbursement` (dated the bank's
day, with the bank's reference kept on the batch item); a line that failed leaves its
disbursement approved and keeps the bank's reason, where `bank_failures` finds it. The
same file again changes nothing (its hash), and neither does a line already applied; a
line whose reference names nothing of this fund is listed, never guessed. A file with a
bad line is refused whole, every bad line listed.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from carefund import clock
from carefund.access.users import Action, require
from carefund.alerts.registry import Touched, Trigger
from carefund.alerts.watch import watch
from carefund.audit import write_audit
from carefund.bank.bank_sheets import (
    RETURN_PRESETS,
    RETURN_REQUIRED,
    LineErrors,
    bank_amount,
    bank_date,
    bank_outcome,
    cells_of,
    read_bank_sheet,
    short_text,
)
from carefund.bank.kept_files import earlier_file, keep_file
from carefund.disbursements import pay_disbursement
from carefund.errors import CarefundError
from carefund.events import record_event
from carefund.funds import get_fund
from carefund.ledger.heads import lock_fund_head
from carefund.models import BankBatch, BankBatchItem, Disbursement, User, row_id
from carefund.money import format_fen
from carefund.vocabulary import BankStatus, BatchStatus, DisbursementStatus

BANK_PAYMENT_METHOD = "银行代发"


@dataclass(frozen=True)
class ReturnLine:
    """One checked line of a return file."""

    row: int
    reference: str
    amount_fen: int
    outcome: str
    reason: str
    bank_reference: str
    booked_on: date


def import_bank_return(
    session: Session,
    *,
    fund_code: str,
    data: bytes,
    filename: str = "",
    preset: object = None,
    mapping: object = None,
    actor: User,
) -> dict[str, Any]:
    """Apply a return file to the fund's batches; answers what each line did."""
    require(actor, Action.bank_transfer)
    fund = get_fund(session, fund_code, actor=actor, action=Action.bank_transfer)
    # Imports of one fund queue on its lock, so that the same file sent twice at once is
    # applied once and answered as already imported the second time.
    lock_fund_head(session, fund.code)
    file_hash = hashlib.sha256(data).hexdigest()
    earlier = earlier_file(session, row_id(fund), "return", file_hash)
    if earlier is not None:
        return json.loads(earlier.summary) | {"already_imported": True}
    lines = _checked_lines(data, preset, mapping)
    items = _items_by_reference(session, row_id(fund), [line.reference for line in lines])
    _refuse_wrong_amounts(session, lines, items)
    summary: dict[str, Any] = {
        "fund": fund.code,
        "filename": filename[:200],
        "lines": len(lines),
        **{key: [] for key in ("succeeded", "failed", "already", "refused", "unmatched")},
    }
    for line in lines:
        item = items.get(line.reference)
        if item is None:
            summary["unmatched"].append(_listed(line))
            continue
        outcome, listed = _apply(session, line, item, actor)
        summary[outcome].append(listed)
    _settle_batches(session, {item.batch_id for item in items.values()})
    stored = keep_file(session, row_id(fund), "return", file_hash, filename, summary, actor)
    summary["file_id"] = stored.id
    stored.summary = json.dumps(summary, ensure_ascii=False)
    session.add(stored)
    counts = {key: len(summary[key]) for key in ("succeeded", "failed", "already", "refused")}
    write_audit(
        session,
        actor=actor.username,
        action="bank.return.imported",
        obj=("bank_file", stored.id),
        detail={"fund": fund.code, "filename": filename[:200], "file_hash": file_hash, **counts},
    )
    record_event(session, "bank.return.imported", summary, unit_id=fund.unit_id)
    if summary["failed"]:  # each failed line raises `bank_payment_failed` once
        watch(session, Touched(Trigger.bank_return, fund_id=fund.id, fund_code=fund.code))
    return summary | {"already_imported": False}


def _checked_lines(data: bytes, preset: object, mapping: object) -> list[ReturnLine]:
    sheet = read_bank_sheet(
        data, presets=RETURN_PRESETS, preset=preset, mapping=mapping, required=RETURN_REQUIRED
    )
    errors = LineErrors()
    lines: list[ReturnLine] = []
    seen: dict[str, int] = {}
    for row, cells in sheet.rows:
        raw = cells_of(sheet, cells)
        reference = errors.check(row, "reference", short_text, raw["reference"])
        if not raw["reference"]:
            errors.add(row, "reference", "参考号不能为空")
        elif raw["reference"] in seen:
            errors.add(row, "reference", f"参考号与第 {seen[raw['reference']]} 行重复")
        else:
            seen[raw["reference"]] = row
        amount = errors.check(row, "amount", bank_amount, raw["amount"])
        outcome = errors.check(row, "status", bank_outcome, raw["status"])
        on_text = raw.get("booked_on", "")
        booked_on = errors.check(row, "booked_on", bank_date, on_text) if on_text else clock.today()
        bank_reference = errors.check(
            row, "bank_reference", short_text, raw.get("bank_reference", "")
        )
        reason = raw.get("reason", "")
        if outcome == "failed" and not reason:
            errors.add(row, "reason", "失败的行应写明失败原因")
        if None in (reference, amount, outcome, booked_on, bank_reference):
            continue
        lines.append(
            ReturnLine(row, reference, amount, outcome, reason[:500], bank_reference, booked_on)
        )
    errors.refuse_if_any("回盘文件")
    return lines


def _items_by_reference(
    session: Session, fund_id: int, references: list[str]
) -> dict[str, BankBatchItem]:
    found: dict[str, BankBatchItem] = {}
    for start in range(0, len(references), 900):
        query = (
            select(BankBatchItem)
            .join(BankBatch, col(BankBatch.id) == BankBatchItem.batch_id)
            .where(
                BankBatch.fund_id == fund_id,
                col(BankBatchItem.reference).in_(references[start : start + 900]),
            )
        )
        found |= {item.reference: item for item in session.exec(query)}
    return found


def _refuse_wrong_amounts(
    session: Session, lines: list[ReturnLine], items: dict[str, BankBatchItem]
) -> None:
    errors = LineErrors()
    for line in lines:
        item = items.get(line.reference)
        if item is None:
            continue
        disbursement = session.get(Disbursement, item.disbursement_id)
        assert disbursement is not None
        if disbursement.amount_fen != line.amount_fen:
            errors.add(
                line.row,
                "amount",
                f"金额 {format_fen(line.amount_fen)} 与 {line.reference} 的支出金额 "
                f"{format_fen(disbursement.amount_fen)} 不符",
            )
    errors.refuse_if_any("回盘文件")


def _apply(
    session: Session, line: ReturnLine, item: BankBatchItem, actor: User
) -> tuple[str, dict[str, Any]]:
    listed = _listed(line) | {"disbursement_id": item.disbursement_id}
    disbursement = session.get(Disbursement, item.disbursement_id)
    assert disbursement is not None
    if item.bank_status == line.outcome or disbursement.status != DisbursementStatus.approved:
        return "already", listed
    if line.outcome == BankStatus.failed.value:
        item.bank_status = BankStatus.failed.value
        item.bank_reason = line.reason
        item.bank_on = line.booked_on
        item.bank_reference = line.bank_reference or None
        session.add(item)
        return "failed", listed | {"reason": line.reason}
    try:
        with session.begin_nested():
            pay_disbursement(
                session,
                disbursement_id=item.disbursement_id,
                paid_on=line.booked_on,
                method=BANK_PAYMENT_METHOD,
                actor=actor,
            )
    except CarefundError as refusal:
        return "refused", listed | {"reason": refusal.message}
    item.bank_status = BankStatus.succeeded.value
    item.bank_reason = None
    item.bank_on = line.booked_on
    item.bank_reference = line.bank_reference or None
    session.add(item)
    return "succeeded", listed


def _listed(line: ReturnLine) -> dict[str, Any]:
    return {"row": line.row, "reference": line.reference, "amount": format_fen(line.amount_fen)}


def _settle_batches(session: Session, batch_ids: set[int]) -> None:
    session.flush()
    for batch_id in batch_ids:
        batch = session.get(BankBatch, batch_id)
        assert batch is not None
        pending = session.exec(
            select(BankBatchItem.id).where(
                BankBatchItem.batch_id == batch_id,
                BankBatchItem.bank_status == BankStatus.pending.value,
            )
        ).first()
        if pending is None and batch.status == BatchStatus.exported.value:
            batch.status = BatchStatus.settled.value
            session.add(batch)


def bank_failures(
    session: Session, *, fund_code: str, actor: User, after_id: int = 0, limit: int = 50
) -> list[dict[str, Any]]:
    """Items the bank refused whose disbursement still waits (approved), oldest first: what
    a cashier pays again (a new batch) and an alert reports."""
    require(actor, Action.read)
    fund = get_fund(session, fund_code, actor=actor)
    query = (
        select(BankBatchItem, BankBatch.number, Disbursement)
        .join(BankBatch, col(BankBatch.id) == BankBatchItem.batch_id)
        .join(Disbursement, col(Disbursement.id) == BankBatchItem.disbursement_id)
        .where(
            BankBatch.fund_id == fund.id,
            BankBatchItem.bank_status == BankStatus.failed.value,
            Disbursement.status == DisbursementStatus.approved.value,
            col(BankBatchItem.id) > after_id,
        )
        .order_by(col(BankBatchItem.id))
        .limit(limit)
    )
    return [
        {
            "id": item.id,
            "batch": number,
            "reference": item.reference,
            "disbursement_id": item.disbursement_id,
            "recipient_id": disbursement.recipient_id,
            "amount": format_fen(disbursement.amount_fen),
            "reason": item.bank_reason,
            "bank_on": item.bank_on.isoformat() if item.bank_on else None,
        }
        for item, number, disbursement in session.exec(query)
    ]
