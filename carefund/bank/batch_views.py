"""Reading batches: a fund's batches, one batch, and its items with what the bank said."""

from typing import Any

from sqlmodel import Session, col, select

from carefund.access.users import Action, require
from carefund.bank.batches import batch_public, batch_row, get_fund_code
from carefund.funds import get_fund
from carefund.models import BankBatch, BankBatchItem, Disbursement, Recipient, User, row_id
from carefund.money import format_fen
from carefund.privacy import mask_account_no


def list_batches(
    session: Session, *, fund_code: str, actor: User, after_id: int = 0, limit: int = 50
) -> list[dict[str, Any]]:
    """A page of the fund's batches, oldest first."""
    require(actor, Action.read)
    fund = get_fund(session, fund_code, actor=actor)
    rows = session.exec(
        select(BankBatch)
        .where(BankBatch.fund_id == fund.id, col(BankBatch.id) > after_id)
        .order_by(col(BankBatch.id))
        .limit(limit)
    )
    return [batch_public(session, batch, fund.code) for batch in rows]


def get_batch(session: Session, *, batch_id: object, actor: User) -> dict[str, Any]:
    require(actor, Action.read)
    batch = batch_row(session, batch_id)
    return batch_public(session, batch, get_fund_code(session, batch.fund_id))


def batch_items(
    session: Session, *, batch_id: object, actor: User, after_id: int = 0, limit: int = 50
) -> list[dict[str, Any]]:
    """A page of a batch's items by line: whom, how much, the disbursement's status, the
    account masked, and what the bank said."""
    require(actor, Action.read)
    batch = batch_row(session, batch_id)
    query = (
        select(BankBatchItem, Disbursement, Recipient)
        .join(Disbursement, col(Disbursement.id) == BankBatchItem.disbursement_id)
        .join(Recipient, col(Recipient.id) == Disbursement.recipient_id)
        .where(BankBatchItem.batch_id == row_id(batch), col(BankBatchItem.line_no) > after_id)
        .order_by(col(BankBatchItem.line_no))
        .limit(limit)
    )
    return [
        {
            "id": item.line_no,
            "line_no": item.line_no,
            "reference": item.reference,
            "disbursement_id": item.disbursement_id,
            "recipient_id": recipient.id,
            "member_no": recipient.member_no,
            "name": recipient.name,
            "account_no_masked": mask_account_no(recipient.account_no),
            "amount": format_fen(disbursement.amount_fen),
            "status": disbursement.status,
            "bank_status": item.bank_status,
            "bank_reason": item.bank_reason,
            "bank_reference": item.bank_reference,
            "bank_on": item.bank_on.isoformat() if item.bank_on else None,
        }
        for item, disbursement, recipient in session.exec(query)
    ]
