"""The hash chain: an entry's public form, its RFC 8785 canonical JSON and its hash.

Every fund's entries form a chain: entry n stores `prev_hash` = hash of entry n-1 and
`hash` = SHA-256 of the RFC 8785 (JCS) canonical JSON of its public form (API.md, Books).
Anyone holding the journal can recompute it; `carefund.ledger.verify` does.
"""

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from carefund.ledger.accounts import Line
from carefund.models import JournalEntry, Posting
from carefund.money import format_fen


def entry_public(
    fund_code: str, entry: JournalEntry, postings: Sequence[Posting] | Sequence[Line]
) -> dict:
    """The entry as the journal endpoint returns it, and as its hash is computed."""
    return public_form(
        fund_code,
        {
            "seq": entry.seq,
            "voucher_no": entry.voucher_no,
            "entry_date": entry.entry_date,
            "memo": entry.memo,
            "reverses_seq": entry.reverses_seq,
            "prev_hash": entry.prev_hash,
        },
        postings,
    )


def public_form(
    fund_code: str, entry: dict[str, Any], postings: Sequence[Posting] | Sequence[Line]
) -> dict:
    """`entry_public` of an entry given as its column values (one about to be inserted)."""
    return {
        "fund": fund_code,
        "seq": entry["seq"],
        "voucher_no": entry["voucher_no"],
        "date": entry["entry_date"].isoformat(),
        "memo": entry["memo"],
        "postings": [
            {
                "account": posting.account,
                "debit": format_fen(posting.debit_fen),
                "credit": format_fen(posting.credit_fen),
            }
            for posting in postings
        ],
        "reverses_seq": entry["reverses_seq"],
        "prev_hash": entry["prev_hash"],
    }


def canonical_json(value: object) -> bytes:
    """RFC 8785 (JCS) canonical JSON for the values the journal holds.

    Our objects hold only strings, integers, null and lists, and have ASCII keys; for those,
    sorted keys, no whitespace, and JSON.stringify's string escaping (which `json.dumps`
    with `ensure_ascii=False` matches, down to lowercase `\\u00xx`) are exactly JCS.
    """
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode(
        "utf-8"
    )


def entry_hash(public: dict) -> str:
    """Lowercase hex SHA-256 of the entry's canonical form (which includes `prev_hash`)."""
    hashed = {key: public[key] for key in _HASHED_KEYS}
    return hashlib.sha256(canonical_json(hashed)).hexdigest()


_HASHED_KEYS = (
    "fund",
    "seq",
    "voucher_no",
    "date",
    "memo",
    "postings",
    "reverses_seq",
    "prev_hash",
)
