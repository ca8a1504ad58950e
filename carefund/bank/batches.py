"""Batches (发放批次): a selection of a fund's disbursements — a plan's run, or a filter —
approved, rejected or paid in one action.

Each item still goes through its own use case (`carefund.disbursements`), in a savepoint of
its own, so every check (duties, available money, the fund's controls) applies one by one:
an item refused is listed with the reason, and the others go through.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund import clock
from carefund.access.users import Action, require
from carefund.audit import write_audit
from carefund.disbursements import approve_disbursement, pay_disbursement, reject_disbursement
from carefund.errors import CarefundError, InvalidInput, NotFound
from carefund.events import record_event, unit_of_fund
from carefund.funds import get_fund
from carefund.limits import BATCH_ITEMS_MAX
from carefund.models import (
    BankBatch,
    BankBatchItem,
    Disbursement,
    Fund,
    User,
    as_utc,
    row_id,
    utcnow,
)
from carefund.money import format_fen
from carefund.validation import check_fields, is_id, parse_date
from carefund.vocabulary import BankStatus, BatchStatus, DisbursementStatus

Status = DisbursementStatus
SELECTABLE = (Status.submitted.value, Status.approved.value)
"""The disbursements a batch may take: those still waiting to be approved or paid."""


def _optional_date(field_name: str) -> Callable[[object], date | None]:
    def check(value: object) -> date | None:
        return None if value in (None, "") else parse_date(value, field=field_name)

    return check


def _optional_id(value: object) -> int | None:
    """A plan's id, as JSON gives it or a form's text does."""
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not is_id(value):
        raise InvalidInput("定期计划编号应为正整数", field="plan_id")
    return int(value)  # type: ignore[call-overload]


def _status_filter(value: object) -> str | None:
    if value in (None, ""):
        return None
    if value not in SELECTABLE:
        raise InvalidInput("只能选择 submitted 或 approved 的支出", field="status")
    return str(value)


def _ids(value: object) -> list[int] | None:
    if value in (None, "", []):
        return None
    if not isinstance(value, list) or not all(is_id(item) for item in value):
        raise InvalidInput("应为支出编号的列表", field="disbursement_ids")
    if len(value) > BATCH_ITEMS_MAX:
        raise InvalidInput(f"一批最多 {BATCH_ITEMS_MAX} 笔", field="disbursement_ids")
    return [int(item) for item in value]


BATCH_CHECKS = {
    "plan_id": _optional_id,
    "due_from": _optional_date("due_from"),
    "due_to": _optional_date("due_to"),
    "status": _status_filter,
    "disbursement_ids": _ids,
}
"""How a batch's selection is given: a plan (and its due dates), a status, a list of ids."""


def create_batch(
    session: Session, *, fund_code: str, actor: User, **selection: object
) -> dict[str, Any]:
    """Make a batch of the fund's submitted or approved disbursements that `selection`
    picks (`BATCH_CHECKS`) and that no other batch holds waiting for the bank."""
    require(actor, Action.prepare_batch)
    unknown = set(selection) - set(BATCH_CHECKS)
    if unknown:
        raise InvalidInput(f"未知字段：{', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    chosen = check_fields(BATCH_CHECKS, {name: selection.get(name) for name in BATCH_CHECKS})
    fund = get_fund(session, fund_code, actor=actor, action=Action.prepare_batch)
    rows = _selected(session, row_id(fund), chosen)
    if not rows:
        raise InvalidInput("没有符合条件、可编入批次的支出", field="selection")
    batch = BankBatch(
        fund_id=row_id(fund),
        number=_next_number(session, fund.code, row_id(fund)),
        selection=_selection_words(chosen),
        status=BatchStatus.prepared.value,
        item_count=len(rows),
        total_fen=sum(row.amount_fen for row in rows),
        created_by=actor.username,
    )
    session.add(batch)
    session.flush()
    for line_no, row in enumerate(rows, start=1):
        session.add(
            BankBatchItem(
                batch_id=row_id(batch),
                disbursement_id=row_id(row),
                line_no=line_no,
                reference=f"{batch.number}-{line_no:04d}",
                bank_status=BankStatus.pending.value,
            )
        )
    session.flush()
    public = batch_public(session, batch, fund.code)
    _record(session, actor, batch, "bank.batch.created", public)
    return public


def _selected(session: Session, fund_id: int, chosen: dict[str, Any]) -> list[Disbursement]:
    in_flight = select(BankBatchItem.disbursement_id).where(
        BankBatchItem.bank_status == BankStatus.pending.value
    )
    statuses = [chosen["status"]] if chosen["status"] else list(SELECTABLE)
    query = select(Disbursement).where(
        Disbursement.fund_id == fund_id,
        col(Disbursement.status).in_(statuses),
        col(Disbursement.id).not_in(in_flight),
    )
    if chosen["plan_id"] is not None:
        query = query.where(Disbursement.plan_id == chosen["plan_id"])
    if chosen["due_from"] is not None:
        query = query.where(col(Disbursement.due_on) >= chosen["due_from"])
    if chosen["due_to"] is not None:
        query = query.where(col(Disbursement.due_on) <= chosen["due_to"])
    if chosen["disbursement_ids"] is not None:
        query = query.where(col(Disbursement.id).in_(chosen["disbursement_ids"]))
    rows = list(session.exec(query.order_by(col(Disbursement.id)).limit(BATCH_ITEMS_MAX + 1)))
    if len(rows) > BATCH_ITEMS_MAX:
        raise InvalidInput(f"一批最多 {BATCH_ITEMS_MAX} 笔，请缩小范围", field="selection")
    return rows


def _next_number(session: Session, fund_code: str, fund_id: int) -> str:
    today = clock.today()
    prefix = f"{fund_code}-PF-{today.year:04d}{today.month:02d}-"
    made = session.exec(
        select(func.count()).where(
            BankBatch.fund_id == fund_id, col(BankBatch.number).startswith(prefix)
        )
    ).one()
    return f"{prefix}{int(made) + 1:02d}"


def _selection_words(chosen: dict[str, Any]) -> str:
    words = []
    if chosen["plan_id"] is not None:
        words.append(f"定期计划 #{chosen['plan_id']}")
    if chosen["due_from"] or chosen["due_to"]:
        start = chosen["due_from"].isoformat() if chosen["due_from"] else "…"
        end = chosen["due_to"].isoformat() if chosen["due_to"] else "…"
        words.append(f"应发日 {start} 至 {end}")
    if chosen["status"]:
        words.append(f"状态 {chosen['status']}")
    if chosen["disbursement_ids"]:
        words.append(f"指定 {len(chosen['disbursement_ids'])} 笔")
    return "；".join(words) or "全部待审批和待发放的支出"


def batch_row(session: Session, batch_id: object) -> BankBatch:
    found = session.get(BankBatch, batch_id) if is_id(batch_id) else None
    if found is None:
        raise NotFound(f"批次不存在：{batch_id}")
    return found


def batch_public(session: Session, batch: BankBatch, fund_code: str) -> dict[str, Any]:
    """A batch as the API, the pages and its events show it, with its items counted by
    disbursement status and by what the bank said."""
    statuses = {status.value: 0 for status in Status}
    bank = {status.value: 0 for status in BankStatus}
    query = (
        select(Disbursement.status, BankBatchItem.bank_status, func.count())
        .join(Disbursement, col(Disbursement.id) == BankBatchItem.disbursement_id)
        .where(BankBatchItem.batch_id == batch.id)
        .group_by(col(Disbursement.status), col(BankBatchItem.bank_status))
    )
    for status, bank_status, count in session.exec(query):
        statuses[status] += int(count)
        bank[bank_status] += int(count)
    return {
        "id": batch.id,
        "number": batch.number,
        "fund": fund_code,
        "selection": batch.selection,
        "status": batch.status,
        "item_count": batch.item_count,
        "total": format_fen(batch.total_fen),
        "by_status": statuses,
        "by_bank_status": bank,
        "created_by": batch.created_by,
        "created_at": as_utc(batch.created_at).isoformat(),
        "exported_by": batch.exported_by,
        "exported_at": as_utc(batch.exported_at).isoformat() if batch.exported_at else None,
    }


@dataclass
class BatchOutcome:
    """What one step over a batch did: the items it moved, and each one refused, why."""

    step: str
    done: list[int] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)


def approve_batch(session: Session, *, batch_id: object, actor: User) -> dict[str, Any]:
    """Approve every submitted item, each through `approve_disbursement`."""
    require(actor, Action.approve_disbursement)
    return _each_item(session, batch_id, actor, "approve", Status.submitted, approve_disbursement)


def reject_batch(
    session: Session, *, batch_id: object, reason: object, actor: User
) -> dict[str, Any]:
    """Reject every submitted item with one reason, each through `reject_disbursement`."""
    require(actor, Action.approve_disbursement)

    def reject(session: Session, *, disbursement_id: int, actor: User) -> Disbursement:
        return reject_disbursement(
            session, disbursement_id=disbursement_id, reason=reason, actor=actor
        )

    return _each_item(session, batch_id, actor, "reject", Status.submitted, reject)


def pay_batch(
    session: Session, *, batch_id: object, paid_on: object, method: object = "", actor: User
) -> dict[str, Any]:
    """Pay every approved item by hand (cash, a counter transfer), each through
    `pay_disbursement`; a batch paid through the bank is settled by its return file."""
    require(actor, Action.pay_disbursement)

    def pay(session: Session, *, disbursement_id: int, actor: User) -> Disbursement:
        return pay_disbursement(
            session, disbursement_id=disbursement_id, paid_on=paid_on, method=method, actor=actor
        )

    return _each_item(session, batch_id, actor, "pay", Status.approved, pay)


def _each_item(
    session: Session,
    batch_id: object,
    actor: User,
    step: str,
    waiting: Status,
    use_case: Callable[..., Disbursement],
) -> dict[str, Any]:
    batch = batch_row(session, batch_id)
    outcome = BatchOutcome(step)
    for item, status in _items_with_status(session, row_id(batch)):
        if status != waiting.value:
            continue
        try:
            with session.begin_nested():
                use_case(session, disbursement_id=item.disbursement_id, actor=actor)
        except CarefundError as refusal:
            outcome.refused.append(_refusal(item, refusal.message))
        else:
            outcome.done.append(item.disbursement_id)
    batch.updated_at = utcnow()
    session.add(batch)
    session.flush()
    fund_code = get_fund_code(session, batch.fund_id)
    public = batch_public(session, batch, fund_code)
    answer = {"batch": public, "step": step, "done": outcome.done, "refused": outcome.refused}
    _record(session, actor, batch, f"bank.batch.{_EVENT_OF_STEP[step]}", answer)
    return answer


_EVENT_OF_STEP = {"approve": "approved", "reject": "rejected", "pay": "paid"}


def _refusal(item: BankBatchItem, message: str) -> dict[str, Any]:
    return {
        "line_no": item.line_no,
        "disbursement_id": item.disbursement_id,
        "reason": message,
    }


def _items_with_status(session: Session, batch_id: int) -> list[tuple[BankBatchItem, str]]:
    query = (
        select(BankBatchItem, Disbursement.status)
        .join(Disbursement, col(Disbursement.id) == BankBatchItem.disbursement_id)
        .where(BankBatchItem.batch_id == batch_id)
        .order_by(col(BankBatchItem.line_no))
    )
    return [(item, status) for item, status in session.exec(query)]


def get_fund_code(session: Session, fund_id: int) -> str:
    fund = session.get(Fund, fund_id)
    assert fund is not None
    return fund.code


def _record(
    session: Session, actor: User, batch: BankBatch, event_type: str, data: dict[str, Any]
) -> None:
    write_audit(
        session,
        actor=actor.username,
        action=event_type,
        obj=("bank_batch", batch.id),
        detail={"number": batch.number, **{k: v for k, v in data.items() if k != "batch"}},
    )
    record_event(session, event_type, data, unit_id=unit_of_fund(session, batch.fund_id))
