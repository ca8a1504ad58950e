"""Rules about money out: split payments, repeats, inactive recipients, slow approvals."""

from collections.abc import Iterator
from datetime import date, timedelta

from sqlmodel import col, select

from carefund.alerts.registry import Check, Finding, Grade, Param, Trigger, rule
from carefund.models import Disbursement, Recipient
from carefund.money import format_fen
from carefund.vocabulary import ASPECT_NAMES_ZH, Aspect

_PAID = "paid"


def _paid_rows(check: Check) -> list[Disbursement]:
    """The fund's paid disbursements: only the touched recipient's at write time."""
    query = select(Disbursement).where(
        Disbursement.fund_id == check.fund_id, Disbursement.status == _PAID
    )
    if check.touched is not None:
        query = query.where(Disbursement.recipient_id == check.touched.recipient_id)
    order = (col(Disbursement.recipient_id), col(Disbursement.paid_on), col(Disbursement.id))
    return list(check.session.exec(query.order_by(*order)))


def _within(row: Disbursement, end: Disbursement, start: date) -> bool:
    """Whether `row` is one of `end`'s recipient's payments from `start` up to `end`."""
    assert row.paid_on is not None and end.paid_on is not None
    return (
        row.recipient_id == end.recipient_id
        and start <= row.paid_on
        and (row.paid_on, row.id or 0) <= (end.paid_on, end.id or 0)
    )


def _member_nos(check: Check, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = check.session.exec(
        select(Recipient.id, Recipient.member_no, Recipient.name).where(col(Recipient.id).in_(ids))
    )
    return {rid: f"{name}（{no}）" for rid, no, name in rows}  # type: ignore[misc]


@rule(
    "split_payment",
    "化整为零",
    Grade.B,
    description_zh="同一关爱对象在 N 天内收到多笔付款，每笔都低于审批阈值，合计却超过它。",
    triggers=[Trigger.payment],
    params={
        "window_days": Param("30", "days", "时间窗（天）"),
        "threshold": Param("5000.00", "money", "审批阈值（元）"),
        "count_min": Param("2", "count", "最少笔数"),
    },
)
def split_payment(check: Check) -> Iterator[Finding]:
    window, threshold = check.params["window_days"], check.params["threshold"]
    touched = check.touched
    # At write time only the touched recipient's payments are read: a handful.
    rows = [row for row in _paid_rows(check) if row.amount_fen < threshold]
    ends = [row for row in rows if touched is None or row.id == touched.disbursement_id]
    names = _member_nos(check, {row.recipient_id for row in ends})
    for end in ends:
        assert end.paid_on is not None
        start = end.paid_on - timedelta(days=window - 1)
        group = [row for row in rows if _within(row, end, start)]
        total = sum(row.amount_fen for row in group)
        if len(group) < check.params["count_min"] or total <= threshold:
            continue
        first = group[0]
        yield Finding(
            f"recipient:{end.recipient_id}:from:{first.id}",
            f"化整为零：{names[end.recipient_id]}在 {window} 天内（{first.paid_on} 至 "
            f"{end.paid_on}）收到 {len(group)} 笔付款，每笔低于审批阈值 "
            f"{format_fen(threshold)} 元，合计 {format_fen(total)} 元",
            {
                "recipient_id": end.recipient_id,
                "disbursement_ids": [row.id for row in group],
                "amounts": [format_fen(row.amount_fen) for row in group],
                "total": format_fen(total),
                "threshold": format_fen(threshold),
            },
        )


@rule(
    "same_aspect_twice",
    "同月同项重复发放",
    Grade.C,
    description_zh="同一关爱对象同一关爱方面在一个月内付款两次以上。",
    triggers=[Trigger.payment],
)
def same_aspect_twice(check: Check) -> Iterator[Finding]:
    groups: dict[tuple[int, str, str], list[Disbursement]] = {}
    for row in _paid_rows(check):
        assert row.paid_on is not None
        groups.setdefault((row.recipient_id, row.aspect, row.paid_on.strftime("%Y-%m")), []).append(
            row
        )
    if check.touched is not None:
        groups = {
            k: v
            for k, v in groups.items()
            if any(row.id == check.touched.disbursement_id for row in v)
        }
    repeated = {key: rows for key, rows in groups.items() if len(rows) >= 2}
    names = _member_nos(check, {key[0] for key in repeated})
    for (recipient_id, aspect, month), rows in repeated.items():
        amounts = "、".join(f"{format_fen(row.amount_fen)} 元（{row.paid_on}）" for row in rows)
        yield Finding(
            f"recipient:{recipient_id}:{aspect}:{month}",
            f"同月重复发放：{names[recipient_id]}的{ASPECT_NAMES_ZH[Aspect(aspect)]}在 "
            f"{month} 付款 {len(rows)} 笔：{amounts}",
            {
                "recipient_id": recipient_id,
                "aspect": aspect,
                "month": month,
                "disbursement_ids": [row.id for row in rows],
                "total": format_fen(sum(row.amount_fen for row in rows)),
            },
        )


@rule(
    "inactive_recipient",
    "向已停用对象付款",
    Grade.A,
    description_zh="付款时关爱对象已停用（停用在提交之后、付款之前）。",
    triggers=[Trigger.payment],
)
def inactive_recipient(check: Check) -> Iterator[Finding]:
    query = (
        select(Disbursement, Recipient)
        .join(Recipient, col(Recipient.id) == Disbursement.recipient_id)
        .where(Disbursement.fund_id == check.fund_id, Disbursement.status == _PAID)
    )
    if check.touched is not None:
        query = query.where(Disbursement.id == check.touched.disbursement_id)
    else:  # deactivated before the payment, not after it
        query = query.where(
            Recipient.active == False,  # noqa: E712
            col(Recipient.updated_at) <= Disbursement.updated_at,
        )
    for disbursement, recipient in check.session.exec(query):
        if recipient.active:
            continue
        yield Finding(
            f"disbursement:{disbursement.id}",
            f"向已停用的关爱对象付款：支出 #{disbursement.id} 付给 {recipient.name}"
            f"（{recipient.member_no}）{format_fen(disbursement.amount_fen)} 元，"
            f"付款日 {disbursement.paid_on}，付款人 {disbursement.paid_by}",
            {
                "disbursement_id": disbursement.id,
                "recipient_id": recipient.id,
                "amount": format_fen(disbursement.amount_fen),
                "paid_by": disbursement.paid_by,
            },
        )
