"""The hash chain: an entry's public form, its RFC 8785 canonical JSON and its hash.

Every fund's entries form a chain: entry n stores `prev_hash` = hash of entry n-1 and
`hash` = SHA-256 of the RFC 8785 (JCS) canonical JSON of its hashed object (API.md, Books).
Anyone holding the journal can recompute it; `carefund.ledger.verify` does.

The hashed object has two versions, and each entry keeps the one it was hashed with
(`chain_version`):

- version 1 (entries posted before migration 0003): `fund, seq, voucher_no, date, memo,
  postings, reverses_seq, prev_hash`, each posting `{account, debit, credit}`;
- version 2 (every entry since): the same plus `document` (what the entry records), each
  posting `{account, debit, credit, recipient}` (`recipient` the member_no it pays, else
  null).

The journal shows every entry in the form it was hashed in, plus `chain_version` (and, for
version 1, `document: null`), so a reader picks the keys by the version.
"""

import hashlib
import json
from collections.abc import Sequence
from typing import Any, Protocol

# The rule is written once, in the offline verifier that auditors read (API.md, Books).
from carefund.ledger.offline import HASHED_KEYS
from carefund.models import JournalEntry
from carefund.money import format_fen

CHAIN_VERSION = 2
"""The version every entry is posted with now."""


class HashedPosting(Protocol):
    """What the hash reads of a posting: a stored one (`journal.StoredPosting`) or a `Line`
    about to be posted."""

    @property
    def account(self) -> str: ...
    @property
    def debit_fen(self) -> int: ...
    @property
    def credit_fen(self) -> int: ...
    @property
    def recipient(self) -> str | None: ...


def entry_public(fund_code: str, entry: JournalEntry, postings: Sequence[HashedPosting]) -> dict:
    """The entry as the journal endpoint returns it (without `hash`), in its version's form."""
    return public_form(
        fund_code,
        {
            "seq": entry.seq,
            "voucher_no": entry.voucher_no,
            "entry_date": entry.entry_date,
            "memo": entry.memo,
            "reverses_seq": entry.reverses_seq,
            "prev_hash": entry.prev_hash,
            "chain_version": entry.chain_version,
            "document": stored_document(entry.document),
        },
        postings,
    )


def public_form(fund_code: str, entry: dict[str, Any], postings: Sequence[HashedPosting]) -> dict:
    """`entry_public` of an entry given as its column values (one about to be inserted);
    `entry["document"]` is the document as a dict (None for version 1)."""
    version = entry["chain_version"]
    return {
        "fund": fund_code,
        "seq": entry["seq"],
        "voucher_no": entry["voucher_no"],
        "date": entry["entry_date"].isoformat(),
        "memo": entry["memo"],
        "postings": [posting_public(posting, version) for posting in postings],
        "document": entry["document"] if version >= 2 else None,
        "reverses_seq": entry["reverses_seq"],
        "prev_hash": entry["prev_hash"],
        "chain_version": version,
    }


def posting_public(posting: HashedPosting, version: int) -> dict[str, Any]:
    """A posting as the journal shows it and its entry's version hashes it."""
    public: dict[str, Any] = {
        "account": posting.account,
        "debit": format_fen(posting.debit_fen),
        "credit": format_fen(posting.credit_fen),
    }
    if version >= 2:
        public["recipient"] = posting.recipient
    return public


def canonical_json(value: object) -> bytes:
    """RFC 8785 (JCS) canonical JSON for the values the journal holds.

    Our objects hold only strings, integers, null, lists and objects with ASCII keys; for
    those, sorted keys, no whitespace, and JSON.stringify's string escaping (which
    `json.dumps` with `ensure_ascii=False` matches, down to lowercase `\\u00xx`) are
    exactly JCS. (No floats: amounts are two-decimal strings.)
    """
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode(
        "utf-8"
    )


def document_text(document: dict[str, Any]) -> str:
    """A document as `journal_entry.document` stores it: its canonical JSON."""
    return canonical_json(document).decode("utf-8")


def stored_document(text: str | None) -> dict[str, Any] | None:
    """`journal_entry.document` back as the dict that was hashed."""
    return None if text is None else json.loads(text)


def entry_hash(public: dict) -> str:
    """Lowercase hex SHA-256 of the entry's hashed object (which includes `prev_hash`), by
    the entry's chain version."""
    hashed = {key: public[key] for key in HASHED_KEYS[public["chain_version"]]}
    return hashlib.sha256(canonical_json(hashed)).hexdigest()
