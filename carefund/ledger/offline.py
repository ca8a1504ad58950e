"""The chain's rule on its own: check an exported journal with no database and no server.

An auditor runs `carefund verify --journal FILE` on their own machine. Everything it
checks is here, in the standard library alone (no database, no SQLAlchemy), and written
out in the README so that anyone can rewrite it:

- entries come oldest first, `seq` 1, 2, 3, … without a gap;
- each entry's `prev_hash` is the previous entry's `hash` (64 zeros for the first);
- each `hash` is the lowercase hex SHA-256 of the UTF-8 bytes of the RFC 8785 (JCS)
  canonical JSON of the entry's hashed object: exactly the keys of its chain version
  (`HASHED_KEYS`), its postings each exactly `POSTING_KEYS` of that version;
- every entry balances: each posting on one side only, amounts two-decimal strings,
  debits equal credits (a seal, `document.kind == "seal"`, and an income's review,
  `"review"`, have no postings).

Chain versions: entries posted before `document` existed are version 1 and keep the
object they were hashed with; an entry says `"chain_version": 2` (or, with no
`chain_version`, carries a `document` key) to be hashed by version 2.
"""

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from carefund.ledger.json_stream import BadJson, JsonStream

GENESIS_HASH = "0" * 64
"""The `prev_hash` of a chain's first entry."""

HASHED_KEYS = {
    1: ("fund", "seq", "voucher_no", "date", "memo", "postings", "reverses_seq", "prev_hash"),
    2: (
        "fund",
        "seq",
        "voucher_no",
        "date",
        "memo",
        "postings",
        "document",
        "reverses_seq",
        "prev_hash",
    ),
}
"""The keys of an entry's hashed object, by chain version."""

POSTING_KEYS = {
    1: ("account", "debit", "credit"),
    2: ("account", "debit", "credit", "recipient"),
}
"""The keys of each posting in the hashed object, by chain version."""

MAX_SAFE_INTEGER = 2**53 - 1
"""JCS writes numbers as JavaScript does; integers beyond this have no exact form there."""

_HASH = re.compile(r"[0-9a-f]{64}")
_AMOUNT = re.compile(r"(0|[1-9][0-9]*)\.[0-9]{2}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class NotCanonical(ValueError):
    """A value JCS gives no single form for in our journals (a float, a huge integer)."""


class UnreadableJournal(ValueError):
    """The file is not an exported journal at all (not JSON, no `entries`, unreadable)."""


# ---------------------------------------------------------------------------------------
# The hash


def canonical_json(value: object) -> bytes:
    """RFC 8785 (JCS) canonical JSON of the values a journal holds, as UTF-8 bytes.

    Objects' keys sorted by their UTF-16 code units, no whitespace, strings escaped as
    JavaScript's JSON.stringify does (`json.dumps` with `ensure_ascii=False` matches it,
    down to the lowercase `\\u001f`), integers in decimal. Floats never occur in a journal
    (amounts are strings), so rather than format them the way JCS would, they are refused.
    """
    return _jcs(value).encode("utf-8")


def _jcs(value: object) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise NotCanonical(f"整数 {value} 超出 JSON 的安全范围")
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(_jcs(item) for item in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: key.encode("utf-16-be"))
        return "{" + ",".join(f"{_jcs(key)}:{_jcs(value[key])}" for key in keys) + "}"
    raise NotCanonical(f"{type(value).__name__} 类型的值（如小数）不能出现在哈希对象中")


def chain_version(entry: dict[str, Any]) -> int:
    """The chain version an entry was hashed by: its `chain_version`, else 2 when it carries
    a `document` key, else 1."""
    version = entry.get("chain_version")
    if version is None:
        return 2 if "document" in entry else 1
    if type(version) is not int or version not in HASHED_KEYS:
        raise NotCanonical(f"未知的链版本 {version!r}")
    return version


def hashed_object(entry: dict[str, Any]) -> dict[str, Any]:
    """Exactly what an entry's hash covers, by its chain version."""
    version = chain_version(entry)
    hashed = {key: entry[key] for key in HASHED_KEYS[version]}
    hashed["postings"] = [
        {key: posting.get(key) for key in POSTING_KEYS[version]} for posting in entry["postings"]
    ]
    return hashed


def entry_hash(entry: dict[str, Any]) -> str:
    """Lowercase hex SHA-256 of the canonical JSON of the entry's hashed object."""
    try:
        encoded = canonical_json(hashed_object(entry))
    except UnicodeEncodeError as exc:
        raise NotCanonical("字符串含有不成对的代理字符，不是合规的 Unicode") from exc
    return hashlib.sha256(encoded).hexdigest()


# ---------------------------------------------------------------------------------------
# Checking entries


@dataclass(frozen=True)
class OfflineResult:
    """What checking one exported journal found."""

    fund: str | None
    ok: bool
    entries: int
    """Entries checked and found whole (all of them when ok)."""
    head_hash: str
    """The hash of the last whole entry: the head the file vouches for."""
    first_bad_seq: int | None = None
    problem: str | None = None


def check_entries(entries: Iterable[Any], *, fund: str | None = None) -> OfflineResult:
    """Check a fund's entries, oldest first; stop at the first that does not match.

    `fund` is the code the entries must carry (None: the first entry's)."""
    prev_hash = GENESIS_HASH
    count = 0
    for entry in entries:
        expected_seq = count + 1
        if fund is None and isinstance(entry, dict) and isinstance(entry.get("fund"), str):
            fund = entry["fund"]
        problem = entry_problem(entry, expected_seq=expected_seq, prev_hash=prev_hash, fund=fund)
        if problem:
            seq = entry.get("seq") if isinstance(entry, dict) else None
            bad_seq = seq if type(seq) is int else expected_seq
            return OfflineResult(fund, False, count, prev_hash, bad_seq, problem)
        prev_hash = entry["hash"]
        count += 1
    return OfflineResult(fund, True, count, prev_hash)


def entry_problem(entry: Any, *, expected_seq: int, prev_hash: str, fund: str | None) -> str | None:
    """What is wrong with one entry, in words, or None when it is whole."""
    if not isinstance(entry, dict):
        return f"第 {expected_seq} 项不是对象"
    try:
        version = chain_version(entry)
    except NotCanonical as exc:
        return str(exc)
    problem = _form_problem(entry, version)
    if problem:
        return problem
    if entry["seq"] != expected_seq:
        return f"序号不连续：应为 {expected_seq}，实为 {entry['seq']}"
    if fund is not None and entry["fund"] != fund:
        return f"基金代码 {entry['fund']} 与导出文件的 {fund} 不符"
    if entry["prev_hash"] != prev_hash:
        return "prev_hash 与上一笔的 hash 不符"
    try:
        recomputed = entry_hash(entry)
    except NotCanonical as exc:
        return str(exc)
    if recomputed != entry["hash"]:
        return f"hash 与重新计算的不符（算得 {recomputed}）：凭证或分录被改动"
    return _balance_problem(entry)


_ENTRY_TYPES: dict[str, tuple[type, ...]] = {
    "fund": (str,),
    "seq": (int,),
    "voucher_no": (str,),
    "date": (str,),
    "memo": (str,),
    "postings": (list,),
    "reverses_seq": (int, type(None)),
    "prev_hash": (str,),
    "hash": (str,),
}


def _form_problem(entry: dict[str, Any], version: int) -> str | None:
    """Whether the entry has the journal's form: every key of its version, of its type."""
    for key, types in _ENTRY_TYPES.items():
        if key not in entry:
            return f"缺少字段 {key}"
        if not isinstance(entry[key], types) or isinstance(entry[key], bool):
            return f"字段 {key} 的类型不对"
    for key in ("prev_hash", "hash"):
        if not _HASH.fullmatch(entry[key]):
            return f"{key} 不是 64 位小写十六进制"
    if not _is_date(entry["date"]):
        return f"日期 {entry['date']!r} 不是 YYYY-MM-DD"
    if version == 1 and entry.get("document") is not None:
        return "版本 1 的凭证带有 document，而版本 1 的哈希不含它"
    if version == 2 and "document" not in entry:
        return "缺少字段 document"
    if version == 2 and not isinstance(entry["document"], dict | None):
        return "字段 document 的类型不对"
    for line_no, posting in enumerate(entry["postings"], start=1):
        problem = _posting_form_problem(posting, version)
        if problem:
            return f"分录 {line_no}：{problem}"
    return None


def _posting_form_problem(posting: Any, version: int) -> str | None:
    if not isinstance(posting, dict):
        return "不是对象"
    for key in POSTING_KEYS[version]:
        if key not in posting:
            return f"缺少字段 {key}"
    if not isinstance(posting["account"], str):
        return "科目不是字符串"
    for side in ("debit", "credit"):
        amount = posting[side]
        if not isinstance(amount, str) or not _AMOUNT.fullmatch(amount):
            return f"{side} 金额 {amount!r} 不是两位小数的字符串"
    if version == 1 and posting.get("recipient") is not None:
        return "版本 1 的分录带有 recipient，而版本 1 的哈希不含它"
    if version == 2 and not isinstance(posting["recipient"], str | None):
        return "recipient 的类型不对"
    return None


def _balance_problem(entry: dict[str, Any]) -> str | None:
    postings = entry["postings"]
    if not postings:
        document = entry.get("document")
        # A month's seal and an income's review (复核) record something and move no money.
        no_money = isinstance(document, dict) and document.get("kind") in ("seal", "review")
        return None if no_money else "凭证没有分录"
    debits = credits = 0
    for line_no, posting in enumerate(postings, start=1):
        debit, credit = _fen(posting["debit"]), _fen(posting["credit"])
        if (debit > 0) == (credit > 0):
            return f"分录 {line_no} 借贷方向不正确（应只在一方有金额）"
        debits += debit
        credits += credit
    if debits != credits:
        return f"借贷不平衡：借方 {_yuan(debits)}，贷方 {_yuan(credits)}"
    return None


def _fen(amount: str) -> int:
    yuan, fen = amount.split(".")
    return int(yuan) * 100 + int(fen)


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _is_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------
# Reading an exported journal, one entry at a time


def verify_journal_file(path: Path) -> OfflineResult:
    """Check the journal `carefund export --format journal` wrote (or a bare JSON list of
    entries) entry by entry, so a long book never sits in memory whole.

    Raises `UnreadableJournal` when the file cannot be read as one."""
    try:
        with path.open("r", encoding="utf-8-sig") as handle:
            reader = JsonStream(handle)
            export: dict[str, Any] = {}
            result = check_entries(_export_entries(reader, export))
            if result.ok:
                reader.finish()
    except OSError as exc:
        raise UnreadableJournal(f"无法读取：{exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise UnreadableJournal("不是 UTF-8 文本") from exc
    except BadJson as exc:
        raise UnreadableJournal(str(exc)) from exc
    if result.ok and "fund" in export and export["fund"] != result.fund and result.entries:
        problem = f"文件标明基金 {export['fund']!r}，凭证却属于 {result.fund}"
        return OfflineResult(result.fund, False, result.entries, result.head_hash, 1, problem)
    if result.fund is None and isinstance(export.get("fund"), str):
        return OfflineResult(export["fund"], result.ok, 0, result.head_hash)
    return result


def _export_entries(reader: JsonStream, export: dict[str, Any]) -> Iterator[Any]:
    """The entries of `{"fund", "exported_at", "entries": [...]}` or of a bare list; the
    export's other keys are put in `export` as they are read."""
    opening = reader.peek()
    if opening == "[":
        yield from reader.array_items()
        return
    if opening != "{":
        raise UnreadableJournal("不是导出的日记账：应为 JSON 对象或列表")
    found_entries = False
    for key in reader.object_keys():
        if key in export or (key == "entries" and found_entries):
            raise UnreadableJournal(f"对象中的键 {key!r} 出现了两次")
        if key == "entries":
            found_entries = True
            if reader.peek() != "[":
                raise UnreadableJournal("entries 不是列表")
            yield from reader.array_items()
        else:
            export[key] = reader.value()
    if not found_entries:
        raise UnreadableJournal("不是导出的日记账：没有 entries")
