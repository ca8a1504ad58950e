"""The offline verifier on journals built by hand: the rule of the README, hashed here with
an RFC 8785 library the code does not use, for chain versions 1 and 2."""

import ast
import copy
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from carefund.ledger import json_stream, offline
from carefund.ledger.kept import KeptReceipt, KeptSeal, UnreadableKept, read_kept
from carefund.ledger.offline import (
    UnreadableJournal,
    canonical_json,
    check_entries,
    verify_journal_file,
)

GENESIS = "0" * 64
V1_KEYS = ("fund", "seq", "voucher_no", "date", "memo", "postings", "reverses_seq", "prev_hash")
V2_KEYS = V1_KEYS[:6] + ("document",) + V1_KEYS[6:]
ROOT = Path(__file__).resolve().parent.parent


def line(account: str, debit: str, credit: str, recipient: str | None = None) -> dict:
    return {"account": account, "debit": debit, "credit": credit, "recipient": recipient}


def chain(entries: list[dict]) -> list[dict]:
    """Number, link and hash `entries` by the README's rule, independently of the code."""
    prev = GENESIS
    for seq, entry in enumerate(entries, start=1):
        entry.update(seq=seq, prev_hash=prev)
        version = entry.get("chain_version") or (2 if "document" in entry else 1)
        if version == 2:
            keys, posting_keys = V2_KEYS, ("account", "debit", "credit", "recipient")
        else:
            keys, posting_keys = V1_KEYS, ("account", "debit", "credit")
            for posting in entry["postings"]:
                posting.pop("recipient", None)
        document = entry.get("document")
        if isinstance(document, dict) and document.get("kind") == "seal":
            document["sealed_head"] = prev
        hashed = {key: entry[key] for key in keys}
        hashed["postings"] = [{key: p[key] for key in posting_keys} for p in entry["postings"]]
        entry["hash"] = prev = hashlib.sha256(rfc8785.dumps(hashed)).hexdigest()
    return entries


def entry(voucher_no: str, day: str, memo: str, postings: list[dict], **extra: Any) -> dict:
    return {
        "fund": "HC-CARE",
        "voucher_no": voucher_no,
        "date": day,
        "memo": memo,
        "postings": postings,
        "reverses_seq": None,
        **extra,
    }


def mixed_book() -> list[dict]:
    """Three version-1 entries from before the upgrade, then version 2: an income, a payment
    to a member, its reversal and the month's seal."""
    return chain(
        [
            entry(
                "记-202603-0001",
                "2026-03-01",
                '收到财政支持 区财政局："拨款"\n第一季度',
                [
                    line("assets:cash", "1000.00", "0.00"),
                    line("income:fiscal_support", "0.00", "1000.00"),
                ],
            ),
            entry(
                "记-202603-0002",
                "2026-03-02",
                "收到党员捐款 第一支部 🎗",
                [
                    line("assets:cash", "250.50", "0.00"),
                    line("income:member_donation", "0.00", "250.50"),
                ],
                chain_version=1,
                document=None,
            ),
            entry(
                "记-202603-0003",
                "2026-03-05",
                "支付 王小明",
                [
                    line("expense:life_assistance:hardship", "300.00", "0.00"),
                    line("assets:cash", "0.00", "300.00"),
                ],
            ),
            entry(
                "记-202604-0001",
                "2026-04-01",
                "收到社会捐赠 某公司",
                [line("assets:cash", "99.99", "0.00"), line("income:sponsorship", "0.00", "99.99")],
                chain_version=2,
                document={
                    "kind": "income",
                    "receipt_no": "HC-CARE-2026-000003",
                    "source": "sponsorship",
                    "payer": "某公司",
                    "amount": "99.99",
                    "received_on": "2026-04-01",
                },
            ),
            entry(
                "记-202604-0002",
                "2026-04-02",
                "支付 李四",
                [
                    line("expense:medical_aid:retired", "80.00", "0.00", "M-0002"),
                    line("assets:cash", "0.00", "80.00"),
                ],
                chain_version=2,
                document={
                    "kind": "disbursement",
                    "id": 7,
                    "recipient": "M-0002",
                    "category": "retired",
                    "aspect": "medical_aid",
                    "amount": "80.00",
                    "approved_by": "approver",
                    "paid_by": "cashier",
                },
            ),
            entry(
                "记-202604-0003",
                "2026-04-03",
                "冲销 记-202604-0002：错发",
                [
                    line("assets:cash", "80.00", "0.00"),
                    line("expense:medical_aid:retired", "0.00", "80.00", "M-0002"),
                ],
                reverses_seq=5,
                document={"kind": "reversal", "of_seq": 5, "reason": "错发"},
            ),
            entry(
                "封-202604-01",
                "2026-04-30",
                "2026-04 封存",
                [],
                chain_version=2,
                document={
                    "kind": "seal",
                    "period": "2026-04",
                    "closing_balance": "1350.49",
                    "sealed_head": "",
                },
            ),
        ]
    )


def write_export(path: Path, entries: list[dict], *, fund: str = "HC-CARE") -> Path:
    export = {"fund": fund, "exported_at": "2026-05-01T00:00:00+00:00", "entries": entries}
    path.write_text(json.dumps(export, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def test_a_whole_mixed_book_verifies_and_names_its_head() -> None:
    book = mixed_book()
    result = check_entries(book)
    assert result.ok, result.problem
    assert result.fund == "HC-CARE" and result.entries == 7
    assert result.head_hash == book[-1]["hash"]


def test_each_version_hashes_exactly_its_keys() -> None:
    book = mixed_book()
    for entry_ in book:
        assert offline.entry_hash(entry_) == entry_["hash"]
    assert [offline.chain_version(entry_) for entry_ in book] == [1, 1, 1, 2, 2, 2, 2]
    assert "document" not in offline.hashed_object(book[1])
    assert set(offline.hashed_object(book[4])["postings"][0]) == {
        "account",
        "debit",
        "credit",
        "recipient",
    }


def _set(path: tuple, value: Any) -> Callable[[list[dict]], None]:
    def change(book: list[dict]) -> None:
        target: Any = book
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _both_sides(index: int, amount: str) -> Callable[[list[dict]], None]:
    # Still balanced: only the hash tells.
    def change(book: list[dict]) -> None:
        debit_line, credit_line = book[index]["postings"]
        debit_line["debit"] = credit_line["credit"] = amount

    return change


def _rehash_last_after(change: Callable[[list[dict]], None]) -> Callable[[list[dict]], None]:
    # A forger who also recomputes the hash: the chain still holds, the arithmetic does not.
    def forged(book: list[dict]) -> None:
        change(book)
        chain(book)

    return forged


TAMPERINGS = {
    "an amount on both sides": (_both_sides(2, "900.00"), 3, "hash"),
    "a memo": (_set((0, "memo"), "无"), 1, "hash"),
    "a date": (_set((1, "date"), "2026-02-28"), 2, "hash"),
    "a payer in a document": (_set((3, "document", "payer"), "篡改单位"), 4, "hash"),
    "the member a line pays": (_set((4, "postings", 0, "recipient"), "M-0001"), 5, "hash"),
    "a seal's closing balance": (_set((6, "document", "closing_balance"), "9999.99"), 7, "hash"),
    "the version an entry claims": (_set((3, "chain_version"), 1), 4, "document"),
    "a recipient added to a version-1 line": (
        _set((2, "postings", 0, "recipient"), "M-0009"),
        3,
        "recipient",
    ),
    "an unknown version": (_set((5, "chain_version"), 3), 6, "链版本"),
    "a prev_hash": (_set((2, "prev_hash"), "f" * 64), 3, "prev_hash"),
    "an entry deleted": (lambda book: book.pop(2), 4, "序号不连续"),
    "two entries swapped": (
        lambda book: book.__setitem__(slice(1, 3), [book[2], book[1]]),
        3,
        "序号不连续",
    ),
    "another fund's entry": (_rehash_last_after(_set((2, "fund"), "HC-RELIEF")), 3, "基金"),
    "an unbalanced entry, rehashed": (
        _rehash_last_after(_set((0, "postings", 0, "debit"), "1000.01")),
        1,
        "借贷不平衡",
    ),
    "a line on both sides, rehashed": (
        _rehash_last_after(
            lambda book: book[0]["postings"].append(line("assets:cash", "1.00", "1.00"))
        ),
        1,
        "借贷方向",
    ),
    "an amount that is a number": (_set((0, "postings", 0, "debit"), 1000), 1, "两位小数"),
    "an amount with one decimal": (_set((0, "postings", 1, "credit"), "1000.0"), 1, "两位小数"),
    "an entry without postings": (_rehash_last_after(_set((1, "postings"), [])), 2, "没有分录"),
    "a float in a document": (_set((3, "document", "amount"), 99.99), 4, "小数"),
    "a missing hash": (lambda book: book[5].pop("hash"), 6, "hash"),
    "an impossible date": (_set((0, "date"), "2026-02-30"), 1, "日期"),
    "a seq that is text": (_set((1, "seq"), "2"), 2, "seq"),
    "an entry that is not an object": (_set((1,), "记-202603-0002"), 2, "对象"),
}


@pytest.mark.parametrize("tampering", TAMPERINGS, ids=list(TAMPERINGS))
def test_the_first_entry_that_does_not_match_is_named(tampering: str, tmp_path: Path) -> None:
    change, bad_seq, words = TAMPERINGS[tampering]
    book = mixed_book()
    change(book)
    result = verify_journal_file(write_export(tmp_path / "journal.json", book))
    assert not result.ok
    assert result.first_bad_seq == bad_seq, result.problem
    assert words in (result.problem or "")
    if "序号" not in words:
        assert result.entries == bad_seq - 1


def test_the_export_must_be_of_the_fund_its_entries_are(tmp_path: Path) -> None:
    result = verify_journal_file(write_export(tmp_path / "j.json", mixed_book(), fund="HC-X"))
    assert not result.ok and result.first_bad_seq == 1 and "HC-X" in (result.problem or "")


def test_a_bare_list_and_an_empty_book_are_read_too(tmp_path: Path) -> None:
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(mixed_book()), encoding="utf-8")
    assert verify_journal_file(bare).ok
    empty = verify_journal_file(write_export(tmp_path / "empty.json", []))
    assert empty.ok and empty.entries == 0 and empty.fund == "HC-CARE"
    assert empty.head_hash == GENESIS


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b'{"fund": "HC-CARE", "entries": [',
        b'{"fund": "HC-CARE"}',
        b'{"fund": "HC-CARE", "entries": {}}',
        b'"entries"',
        b'{"fund": "HC-CARE", "entries": []} trailing',
        b'{"fund": "HC-CARE", "entries": [NaN]}',
        b'{"fund": "HC-CARE", "fund": "HC-X", "entries": []}',
        '{"fund": "基金", "entries": []}'.encode("gb18030"),
    ],
)
def test_a_file_that_is_no_journal_is_unreadable(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    path.write_bytes(content)
    with pytest.raises(UnreadableJournal):
        verify_journal_file(path)


def test_a_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableJournal):
        verify_journal_file(tmp_path / "nowhere.json")


@pytest.mark.parametrize("chunk", [1, 3, 7, 64])
def test_reading_in_small_pieces_changes_nothing(
    chunk: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = mixed_book()
    path = write_export(tmp_path / "journal.json", book)
    monkeypatch.setattr(json_stream.JsonStream, "CHUNK", chunk)
    assert verify_journal_file(path).head_hash == book[-1]["hash"]
    _set((2, "memo"), "改")(book)
    assert verify_journal_file(write_export(path, book)).first_bad_seq == 3


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_canonical_json_is_rfc_8785(value: Any) -> None:
    # Keys beyond the BMP sort by UTF-16 code units, which Python's sort does not.
    try:
        expected = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        return
    assert canonical_json(value) == expected


def test_jcs_orders_keys_by_utf16_code_units() -> None:
    value = {"\U0001f600": 1, "\ufb01": 2, "a": 3}
    assert canonical_json(value) == rfc8785.dumps(value)
    assert canonical_json(value).decode("utf-8").index("\U0001f600") < canonical_json(value).decode(
        "utf-8"
    ).index("\ufb01")


def test_the_offline_rule_needs_only_the_standard_library() -> None:
    modules = ("offline", "json_stream", "kept")
    for name in modules:
        tree = ast.parse((ROOT / "carefund" / "ledger" / f"{name}.py").read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                top = node.module.split(".")[0]
                assert top in sys.stdlib_module_names or node.module in {
                    f"carefund.ledger.{other}" for other in modules
                }, (name, node.module)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] in sys.stdlib_module_names, (name, alias.name)
    script = (
        "import sys\n"
        "import carefund.ledger.offline, carefund.ledger.kept\n"
        "assert not {'sqlalchemy', 'sqlmodel'} & set(sys.modules), sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


def test_kept_seals_and_receipt_qr_texts_are_read(tmp_path: Path) -> None:
    qr = (
        "carefund:receipt?fund=HC-CARE&no=HC-CARE-2026-000001&seq=1"
        "&voucher=%E8%AE%B0-202603-0001&amount=1000.00&sha256=" + "a" * 64
    )
    seal = {"period": "2026-03", "seq": 3, "hash": "b" * 64, "sealed_head": "c" * 64}
    listed = read_kept(json.dumps({"items": [seal, qr]}), fund="HC-CARE")
    assert listed == [
        KeptSeal("HC-CARE", 3, "b" * 64, "2026-03"),
        KeptReceipt("HC-CARE", "HC-CARE-2026-000001", "a" * 64, 1),
    ]
    assert read_kept(f"# kept receipts\n\n{qr}\n", fund=None) == listed[1:]
    assert read_kept(json.dumps([seal | {"fund": "HC-X"}]), fund=None)[0].fund == "HC-X"
    for bad in (
        json.dumps([seal]),  # no fund anywhere
        json.dumps([seal | {"hash": "B" * 64}]),
        "carefund:voucher?fund=HC-CARE",
        qr.replace("sha256=", "sha1="),
        "[1, 2",
    ):
        with pytest.raises(UnreadableKept):
            read_kept(bad, fund=None)


def test_the_hand_built_book_is_not_changed_by_checking_it() -> None:
    book = mixed_book()
    before = copy.deepcopy(book)
    check_entries(book)
    assert book == before


def test_the_readmes_rule_recomputes_every_hash() -> None:
    # Anyone can rewrite the verifier from the README: its own snippet agrees with the book.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```python\nimport hashlib, rfc8785")
    snippet = readme[start + len("```python\n") : readme.index("```", start + 3)]
    namespace: dict[str, Any] = {}
    exec(snippet, namespace)  # noqa: S102 - our own README
    for entry_ in mixed_book():
        assert namespace["entry_hash"](entry_) == entry_["hash"]
