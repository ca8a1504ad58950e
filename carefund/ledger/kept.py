"""What an auditor kept from earlier printouts, read from a file: seals and receipt QR texts.

A seal (`GET /funds/{code}/seals`, printed on statements) names an entry by `seq` and
`hash`; a receipt's QR code holds its receipt number and the hash of the entry that
posted it. Whoever kept either can later ask whether the books still contain that entry,
which is how a deleted tail or a rewound head is found (`carefund verify --seals FILE`).
Reading them needs no database, so this module uses the standard library alone.
"""

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

RECEIPT_QR_PREFIX = "carefund:receipt"
"""How a receipt's QR text starts (`carefund.reports.slips.QR_PAYLOAD_PREFIX`)."""

RECEIPT_NO_MAX = 48
"""Longest receipt number the books hold (`income.receipt_no`)."""
_HASH = re.compile(r"[0-9a-f]{64}")


class UnreadableKept(ValueError):
    """The file holds neither seals nor receipt QR texts in a form this reads."""


@dataclass(frozen=True)
class KeptSeal:
    """A month's seal: the books must still hold entry `seq` with this `hash`."""

    fund: str
    seq: int
    hash: str
    period: str | None = None

    @property
    def label(self) -> str:
        month = f" {self.period}" if self.period else ""
        return f"{self.fund} 封存{month}（seq {self.seq}）"


@dataclass(frozen=True)
class KeptReceipt:
    """A receipt's QR text: the books must still hold the entry with this `hash`, and it
    must be the entry of the income numbered `receipt_no`."""

    fund: str
    receipt_no: str
    hash: str
    seq: int | None = None

    @property
    def label(self) -> str:
        return f"{self.fund} 收据 {self.receipt_no}"


Kept = KeptSeal | KeptReceipt


def read_kept(text: str, *, fund: str | None) -> list[Kept]:
    """The seals and receipts in `text`: a JSON list of seals (as `GET …/seals` lists them,
    or its `{"items": [...]}`) and receipt QR texts, or plain text with one QR text a line.

    `fund` is the fund of seals that do not name one."""
    stripped = text.strip()
    if stripped.startswith(("[", "{")):
        try:
            document = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise UnreadableKept(f"不是合规的 JSON：{exc.msg}（第 {exc.lineno} 行）") from exc
        items = document.get("items") if isinstance(document, dict) else document
        if not isinstance(items, list):
            raise UnreadableKept("JSON 应为封存记录或收据二维码文本的列表")
        return [_kept_item(item, number, fund) for number, item in enumerate(items, start=1)]
    lines = (line.strip() for line in text.splitlines())
    return [
        receipt_from_qr(line, where=f"第 {number} 行")
        for number, line in enumerate(lines, start=1)
        if line and not line.startswith("#")
    ]


def _kept_item(item: Any, number: int, fund: str | None) -> Kept:
    where = f"第 {number} 项"
    if isinstance(item, str):
        return receipt_from_qr(item, where=where)
    if not isinstance(item, dict):
        raise UnreadableKept(f"{where}：应为封存记录（对象）或收据二维码文本")
    seal_fund = item.get("fund", fund)
    if not isinstance(seal_fund, str) or not seal_fund:
        raise UnreadableKept(f"{where}：封存记录没有基金代码，请用 --fund 指明")
    seq, hash_ = item.get("seq"), item.get("hash")
    if type(seq) is not int or seq < 1:
        raise UnreadableKept(f"{where}：seq 应为正整数")
    if not isinstance(hash_, str) or not _HASH.fullmatch(hash_):
        raise UnreadableKept(f"{where}：hash 应为 64 位小写十六进制")
    period = item.get("period")
    return KeptSeal(seal_fund, seq, hash_, period if isinstance(period, str) else None)


def receipt_from_qr(text: str, *, where: str = "") -> KeptReceipt:
    """The receipt a QR text names: `carefund:receipt?fund=…&no=…&seq=…&sha256=…`."""
    prefix = f"{where}：" if where else ""
    parts = urlsplit(text.strip())
    if f"{parts.scheme}:{parts.path}" != RECEIPT_QR_PREFIX:
        raise UnreadableKept(f"{prefix}不是收据二维码文本（应以 {RECEIPT_QR_PREFIX}? 开头）")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    fund, receipt_no, hash_ = query.get("fund"), query.get("no"), query.get("sha256", "")
    if not fund or not receipt_no:
        raise UnreadableKept(f"{prefix}收据二维码缺少 fund 或 no")
    if not receipt_no.isprintable() or len(receipt_no) > RECEIPT_NO_MAX:
        raise UnreadableKept(f"{prefix}收据二维码的 no 不是收据编号")
    if not _HASH.fullmatch(hash_):
        raise UnreadableKept(f"{prefix}收据二维码的 sha256 应为 64 位小写十六进制")
    seq = query.get("seq", "")
    return KeptReceipt(
        fund, receipt_no, hash_, int(seq) if seq.isascii() and seq.isdigit() else None
    )
