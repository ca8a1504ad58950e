"""Rules about how the work is done: slow approvals and payments, many reversals."""

from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import col, select

from carefund import clock
from carefund.alerts.registry import Check, Finding, Grade, Param, Trigger, rule
from carefund.models import Disbursement, JournalEntry
from carefund.money import format_fen


def _waiting(
    check: Check, status: str, since_column: str, days: int
) -> Iterator[tuple[Disbursement, int]]:
    """The fund's disbursements in `status` for more than `days` days since `since_column`."""
    today = clock.today()
    for row in check.session.exec(
        select(Disbursement)
        .where(Disbursement.fund_id == check.fund_id, Disbursement.status == status)
        .order_by(col(Disbursement.id))
    ):
        since = getattr(row, since_column)
        if since is None:
            continue
        waited = (today - clock.local(since).date()).days
        if waited > days:
            yield row, waited


@rule(
    "approval_overdue",
    "审批超时",
    Grade.C,
    description_zh="支出提交后超过 N 天仍未审批。",
    params={"days": Param("7", "days", "天数")},
)
def approval_overdue(check: Check) -> Iterator[Finding]:
    for row, waited in _waiting(check, "submitted", "created_at", check.params["days"]):
        yield Finding(
            f"disbursement:{row.id}:approval",
            f"审批超时：支出 #{row.id}（{format_fen(row.amount_fen)} 元，{row.submitted_by} 提交）"
            f"已等待审批 {waited} 天，超过 {check.params['days']} 天",
            {"disbursement_id": row.id, "waited_days": waited, "submitted_by": row.submitted_by},
        )


@rule(
    "payment_overdue",
    "支付超时",
    Grade.C,
    description_zh="支出批准后超过 N 天仍未支付。",
    params={"days": Param("7", "days", "天数")},
)
def payment_overdue(check: Check) -> Iterator[Finding]:
    for row, waited in _waiting(check, "approved", "approved_at", check.params["days"]):
        yield Finding(
            f"disbursement:{row.id}:payment",
            f"支付超时：支出 #{row.id}（{format_fen(row.amount_fen)} 元，{row.approved_by} 批准）"
            f"批准后 {waited} 天仍未支付，超过 {check.params['days']} 天",
            {"disbursement_id": row.id, "waited_days": waited, "approved_by": row.approved_by},
        )


@rule(
    "reversal_share",
    "冲销比例过高",
    Grade.B,
    description_zh="某用户在时间窗内冲销的凭证笔数达到下限，且占本基金同期凭证的比例过高。",
    triggers=[Trigger.reversal],
    params={
        "window_days": Param("30", "days", "时间窗（天）"),
        "count_min": Param("3", "count", "最少冲销笔数"),
        "share_percent": Param("20", "percent", "比例阈值（%）"),
    },
)
def reversal_share(check: Check) -> Iterator[Finding]:
    window = check.params["window_days"]
    since = clock.today() - timedelta(days=window - 1)
    in_window = (JournalEntry.fund_id == check.fund_id, col(JournalEntry.entry_date) >= since)
    total = check.session.exec(select(func.count()).where(*in_window)).one()
    query = select(JournalEntry.created_by, JournalEntry.seq).where(
        *in_window, col(JournalEntry.reverses_seq).is_not(None)
    )
    if check.touched is not None:
        query = query.where(JournalEntry.created_by == check.touched.username)
    by_user: dict[str, list[int]] = {}
    for username, seq in check.session.exec(query.order_by(col(JournalEntry.seq))):
        by_user.setdefault(username, []).append(seq)
    for username, seqs in by_user.items():
        share = len(seqs) * 100 / total if total else 0
        if len(seqs) < check.params["count_min"] or share < check.params["share_percent"]:
            continue
        yield Finding(
            f"reversals:{username}:from:{seqs[0]}",
            f"冲销比例过高：{username} 在 {window} 天内冲销 {len(seqs)} 笔凭证，占本基金同期 "
            f"{total} 笔凭证的 {share:.0f}%（阈值 {check.params['share_percent']}%）",
            {
                "username": username,
                "reversal_seqs": seqs,
                "entries": total,
                "share_percent": round(share),
            },
        )
