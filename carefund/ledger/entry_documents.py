"""What each kind of entry records: its `document` (API.md, Books), hashed with it.

The use case that posts builds the document from the values it has in hand; `verify`
builds the same document again from the stored row (an income, a disbursement) and names
the first field that differs, and receipts and vouchers print only what agrees with it.
Keys are exactly those of API.md; amounts are two-decimal strings, dates ISO.
"""

from datetime import date
from typing import Any

from carefund.money import format_fen

INCOME_FIELDS = {
    "receipt_no": "receipt_no",
    "source": "source",
    "payer": "payer",
    "amount": "amount_fen",
    "received_on": "received_on",
}
"""An income document's keys, and the `income` column each one is checked against."""
PAYMENT_FIELDS = {
    "id": "id",
    "recipient": "recipient_id",
    "aspect": "aspect",
    "amount": "amount_fen",
    "approved_by": "approved_by",
    "paid_by": "paid_by",
}
"""A payment document's keys that a `disbursement` row holds, and the column of each (its
`category` is the recipient's at payment time, checked against the posting's account)."""


def income_document(
    *, receipt_no: str, source: str, payer: str, amount_fen: int, received_on: date
) -> dict[str, Any]:
    """What an income's entry records."""
    return {
        "kind": "income",
        "receipt_no": receipt_no,
        "source": source,
        "payer": payer,
        "amount": format_fen(amount_fen),
        "received_on": received_on.isoformat(),
    }


def payment_document(
    *,
    disbursement_id: int,
    member_no: str,
    category: str,
    aspect: str,
    amount_fen: int,
    approved_by: str | None,
    paid_by: str | None,
) -> dict[str, Any]:
    """What a payment's entry records: whom, for what, how much, and who approved and paid."""
    return {
        "kind": "disbursement",
        "id": disbursement_id,
        "recipient": member_no,
        "category": category,
        "aspect": aspect,
        "amount": format_fen(amount_fen),
        "approved_by": approved_by,
        "paid_by": paid_by,
    }


def reversal_document(*, of_seq: int, reason: str) -> dict[str, Any]:
    """What a red-ink reversal records: the entry it reverses, and why."""
    return {"kind": "reversal", "of_seq": of_seq, "reason": reason}


def seal_document(*, period: str, closing_balance_fen: int, sealed_head: str) -> dict[str, Any]:
    """What a month's seal records: the month, its closing cash, and the hash of its last
    entry (so a printed seal pins the chain up to that entry)."""
    return {
        "kind": "seal",
        "period": period,
        "closing_balance": format_fen(closing_balance_fen),
        "sealed_head": sealed_head,
    }
