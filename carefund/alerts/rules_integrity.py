"""Rules over the other controls' records: overrides of a budget, cap or standard
(`control_override`), and payments the bank returned as failed (`bank_batch_item`)."""

import json
from collections.abc import Iterator

from sqlmodel import col, select

from carefund.alerts.registry import Check, Finding, Grade, Trigger, rule
from carefund.models import BankBatch, BankBatchItem, ControlOverride, Disbursement
from carefund.money import format_fen

CONTROL_NAMES_ZH = {"budget": "预算", "cap": "年度上限", "standard": "补助标准"}


@rule(
    "control_override",
    "超预算/超标准特批",
    Grade.B,
    description_zh="管理员对某笔支出越过预算、年度上限或补助标准的特批（附理由），供审计复核。",
    triggers=[Trigger.override],
)
def control_override(check: Check) -> Iterator[Finding]:
    query = select(ControlOverride).where(ControlOverride.fund_id == check.fund_id)
    if check.touched is not None and check.touched.disbursement_id is not None:
        query = query.where(ControlOverride.disbursement_id == check.touched.disbursement_id)
    for row in check.session.exec(query.order_by(col(ControlOverride.id))):
        figures = json.loads(row.figures or "{}")
        control_zh = CONTROL_NAMES_ZH.get(row.control, row.control)
        yield Finding(
            f"override:{row.id}",
            f"{control_zh}特批：支出 #{row.disbursement_id} 由 {row.created_by} "
            f"特批越过{control_zh}"
            f"（{figures.get('message', '')}）；理由：{row.reason}",
            {
                "disbursement_id": row.disbursement_id,
                "control": row.control,
                "created_by": row.created_by,
                "reason": row.reason,
                "figures": figures,
            },
        )


@rule(
    "bank_payment_failed",
    "银行代发失败",
    Grade.B,
    description_zh="银行回盘文件中支付失败的代发明细：款项未到关爱对象手中，需核实账户后重发。",
    triggers=[Trigger.bank_return],
)
def bank_payment_failed(check: Check) -> Iterator[Finding]:
    failed = check.session.exec(
        select(BankBatchItem, Disbursement, BankBatch.number)
        .join(Disbursement, col(Disbursement.id) == BankBatchItem.disbursement_id)
        .join(BankBatch, col(BankBatch.id) == BankBatchItem.batch_id)
        .where(BankBatch.fund_id == check.fund_id, BankBatchItem.bank_status == "failed")
        .order_by(col(BankBatchItem.id))
    )
    for item, disbursement, batch_number in failed:
        yield Finding(
            f"bank_item:{item.id}:failed",
            f"银行代发失败：批次 {batch_number} 第 {item.line_no} 行，支出 #{disbursement.id}"
            f"（{format_fen(disbursement.amount_fen)} 元）未支付成功，"
            f"银行原因：{item.bank_reason or '未说明'}",
            {
                "disbursement_id": disbursement.id,
                "batch": batch_number,
                "reference": item.reference,
                "reason": item.bank_reason,
            },
        )
