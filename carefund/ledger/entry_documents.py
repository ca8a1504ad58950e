"""What each kind of entry records: its `document` (API.md, Books), hashed with it.

The use case that posts builds the document from the values it has in hand; `verify`
builds the same document again from the stored row (an income, a disbursement) and names
the first field that differs, and receipts and vouchers print only what agrees with it.
Keys are exactly those of API.md, plus the additions of migration 0007 (a payment's
`source` and `earmark`, an income's `earmark`, the `review` kind); amounts are
two-decimal strings, dates ISO.
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


SOURCE_FIELDS = {"source": "source", "earmark": "earmark_income_id"}
"""A payment document's keys since migration 0007, and the column of each."""


def earmark_of(category: str | None, aspect: str | None) -> dict[str, str | None] | None:
    """An income's earmark as its document records it: None when it has none."""
    if category is None and aspect is None:
        return None
    return {"category": category, "aspect": aspect}


def income_document(
    *,
    receipt_no: str,
    source: str,
    payer: str,
    amount_fen: int,
    received_on: date,
    earmark: dict[str, str | None] | None = None,
    with_earmark: bool = True,
) -> dict[str, Any]:
    """What an income's entry records; since migration 0007 (`with_earmark`) also its
    earmark (定向: `{"category", "aspect"}`, either may be null), null when none."""
    document: dict[str, Any] = {
        "kind": "income",
        "receipt_no": receipt_no,
        "source": source,
        "payer": payer,
        "amount": format_fen(amount_fen),
        "received_on": received_on.isoformat(),
    }
    if with_earmark:
        document["earmark"] = earmark
    return document


def payment_document(
    *,
    disbursement_id: int,
    member_no: str,
    category: str,
    aspect: str,
    amount_fen: int,
    approved_by: str | None,
    paid_by: str | None,
    source: str | None = None,
    earmark: str | None = None,
    with_source: bool = True,
) -> dict[str, Any]:
    """What a payment's entry records: whom, for what, how much, who approved and paid,
    and (since migration 0007, `with_source`) the income source it draws from and the
    receipt number of the earmarked income it draws from (null when none)."""
    document = {
        "kind": "disbursement",
        "id": disbursement_id,
        "recipient": member_no,
        "category": category,
        "aspect": aspect,
        "amount": format_fen(amount_fen),
        "approved_by": approved_by,
        "paid_by": paid_by,
    }
    if with_source:
        document |= {"source": source, "earmark": earmark}
    return document


def approvers_text(row: Any) -> str | None:
    """Who approved a disbursement, as its payment document names them: both of two
    approvers joined with 、 (first one first), else the one."""
    if row.first_approved_by and row.approved_by:
        return f"{row.first_approved_by}、{row.approved_by}"
    return row.approved_by


def reversal_document(*, of_seq: int, reason: str) -> dict[str, Any]:
    """What a red-ink reversal records: the entry it reverses, and why."""
    return {"kind": "reversal", "of_seq": of_seq, "reason": reason}


def review_document(*, of_seq: int, receipt_no: str, reviewed_by: str) -> dict[str, Any]:
    """What an income's review (复核) records: the income's entry, its receipt, the reviewer."""
    return {
        "kind": "review",
        "of_seq": of_seq,
        "receipt_no": receipt_no,
        "reviewed_by": reviewed_by,
    }


def seal_document(*, period: str, closing_balance_fen: int, sealed_head: str) -> dict[str, Any]:
    """What a month's seal records: the month, its closing cash, and the hash of its last
    entry (so a printed seal pins the chain up to that entry)."""
    return {
        "kind": "seal",
        "period": period,
        "closing_balance": format_fen(closing_balance_fen),
        "sealed_head": sealed_head,
    }
