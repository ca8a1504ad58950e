"""The cross-district duplicate check, without sharing ID numbers (跨区重复受助比对).

The districts of a city agree on one key (the city key: 32 random bytes in base64, as
`carefund keys new` prints one), kept apart from each district's data key. Each district
writes the keyed hash of every aided recipient's normalised ID number with the year's aid
total; another district compares the list with its own and raises an alert for each
recipient aided in both. No ID number, name or member number leaves the district; without
the key, a hash cannot be tested against guessed ID numbers.

The file (UTF-8 JSON):

    {"format": "carefund-district-hashes", "version": 1,
     "district": "城关区", "year": 2026,
     "key_check": "<HMAC-SHA256 of the text 'carefund city key check' under the key>",
     "recipients": [{"hash": "<64 hex>", "aid": "1200.00"}, ...]}

`hash` is HMAC-SHA256 (hex) under the city key of `carefund city id_number` + NUL + the ID
number in upper case without spaces; `aid` the recipient's payments in the year (paid, not
reversed) across the district's funds, in yuan. `key_check` lets the importer tell a wrong
key from "no one in common".
"""

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund.access.users import Action, require
from carefund.alerts.raising import raise_alerts
from carefund.alerts.registry import Finding
from carefund.alerts.rules_people import CROSS_DISTRICT
from carefund.alerts.settings import rule_settings
from carefund.errors import InvalidInput
from carefund.limits import DISTRICT_HASHES_BYTES_MAX, NAME_LENGTH_MAX
from carefund.models import Disbursement, Fund, Recipient, User
from carefund.money import format_fen, parse_amount
from carefund.validation import clean_text

FILE_FORMAT = "carefund-district-hashes"
FILE_VERSION = 1
_KEY_CHECK_TEXT = b"carefund city key check"
_HASH_PURPOSE = b"carefund city id_number\0"
_HEX64 = frozenset("0123456789abcdef")


def read_city_key(path: Path) -> bytes:
    """The city key from its file (the first line that is not a comment)."""
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"无法读取市级比对密钥文件 {path}：{exc}", field="key_file") from None
    texts = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    try:
        raw = base64.urlsafe_b64decode(texts[0]) if texts else b""
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise InvalidInput(
            "市级比对密钥格式不正确：应为 32 字节的 base64（可用 `carefund keys new` 生成）",
            field="key_file",
        )
    return raw


def city_hash(key: bytes, id_number: str) -> str:
    normalised = id_number.replace(" ", "").upper()
    return hmac.new(key, _HASH_PURPOSE + normalised.encode("utf-8"), hashlib.sha256).hexdigest()


def key_check(key: bytes) -> str:
    return hmac.new(key, _KEY_CHECK_TEXT, hashlib.sha256).hexdigest()


def aid_by_recipient(session: Session, year: int) -> list[tuple[Recipient, int]]:
    """Each recipient with an ID number paid in `year`, with the year's paid total."""
    totals = (
        select(Disbursement.recipient_id, func.sum(Disbursement.amount_fen))
        .where(
            Disbursement.status == "paid",
            col(Disbursement.paid_on) >= date(year, 1, 1),
            col(Disbursement.paid_on) <= date(year, 12, 31),
        )
        .group_by(col(Disbursement.recipient_id))
    )
    paid = {recipient_id: int(total) for recipient_id, total in session.exec(totals)}
    if not paid:
        return []
    found = session.exec(
        select(Recipient).where(
            col(Recipient.id).in_(list(paid)), col(Recipient.id_number).is_not(None)
        )
    )
    return [(recipient, paid[recipient.id or 0]) for recipient in found]


def export_hashes(
    session: Session, *, key: bytes, year: int, district: object, actor: User
) -> dict[str, Any]:
    """The district's list for `year`, as the file holds it."""
    require(actor, Action.read_alerts)
    name = clean_text(district, field="district", length_max=NAME_LENGTH_MAX) or _district(session)
    rows = aid_by_recipient(session, year)
    listed = sorted(
        (
            {"hash": city_hash(key, r.id_number or ""), "aid": format_fen(total)}
            for r, total in rows
        ),
        key=lambda item: item["hash"],
    )
    return {
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "district": name,
        "year": year,
        "key_check": key_check(key),
        "recipients": listed,
    }


def _district(session: Session) -> str:
    """The district's name when none is given: the organisation its funds name."""
    org = session.exec(select(Fund.org).where(Fund.org != "").order_by(col(Fund.id))).first()
    if not org:
        raise InvalidInput("请用 --district 写明本区名称", field="district")
    return org


@dataclass(frozen=True)
class DistrictList:
    """Another district's list, read and checked."""

    district: str
    year: int
    aid_by_hash: dict[str, int]


def parse_hashes(data: bytes, *, key: bytes) -> DistrictList:
    """Another district's file, checked whole; `InvalidInput` saying what is wrong."""
    if len(data) > DISTRICT_HASHES_BYTES_MAX:
        raise InvalidInput("名单文件过大", field="file")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidInput("名单文件不是 UTF-8 JSON", field="file") from None
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
        raise InvalidInput(
            f"不是 carefund 的区县哈希名单（format 应为 {FILE_FORMAT}）", field="file"
        )
    if document.get("version") != FILE_VERSION:
        raise InvalidInput(f"名单版本 {document.get('version')!r} 不受支持（应为 1）", field="file")
    if not hmac.compare_digest(str(document.get("key_check", "")), key_check(key)):
        raise InvalidInput("密钥不符：名单不是用这把市级比对密钥生成的", field="key_file")
    district, year = document.get("district"), document.get("year")
    if not isinstance(district, str) or not district.strip() or not isinstance(year, int):
        raise InvalidInput("名单缺少 district（区名）或 year（年度）", field="file")
    return DistrictList(
        district.strip()[:NAME_LENGTH_MAX], year, _entries(document.get("recipients"))
    )


def _entries(items: object) -> dict[str, int]:
    if not isinstance(items, list):
        raise InvalidInput("名单缺少 recipients 列表", field="file")
    found: dict[str, int] = {}
    for number, item in enumerate(items, start=1):
        hashed = item.get("hash") if isinstance(item, dict) else None
        if not isinstance(hashed, str) or len(hashed) != 64 or not set(hashed) <= _HEX64:
            raise InvalidInput(f"名单第 {number} 项的 hash 不是 64 位十六进制", field="file")
        try:
            found[hashed] = parse_amount(item.get("aid"), field="aid")
        except InvalidInput:
            raise InvalidInput(f"名单第 {number} 项的 aid 不是金额", field="file") from None
    return found


def import_hashes(session: Session, *, data: bytes, key: bytes, actor: User) -> dict[str, Any]:
    """Compare another district's list with this district's aid of the same year; an alert
    for each recipient aided in both. Nothing is written when the file or key is wrong."""
    require(actor, Action.scan_alerts)
    other = parse_hashes(data, key=key)
    findings = []
    for recipient, total in aid_by_recipient(session, other.year):
        theirs = other.aid_by_hash.get(city_hash(key, recipient.id_number or ""))
        if theirs is None:
            continue
        findings.append(
            Finding(
                f"district:{other.district}:{other.year}:recipient:{recipient.id}",
                f"跨区重复受助：{recipient.name}（{recipient.member_no}）{other.year} 年在本区受助 "
                f"{format_fen(total)} 元，在{other.district}受助 {format_fen(theirs)} 元",
                {
                    "recipient_id": recipient.id,
                    "year": other.year,
                    "district": other.district,
                    "aid_here": format_fen(total),
                    "aid_there": format_fen(theirs),
                },
            )
        )
    effective = rule_settings(session).effective(CROSS_DISTRICT, None)
    raised = []
    if effective.enabled:
        raised = raise_alerts(
            session, CROSS_DISTRICT, findings, grade=effective.grade, fund_id=None, fund_code=None
        )
    return {
        "district": other.district,
        "year": other.year,
        "listed": len(other.aid_by_hash),
        "in_both": len(findings),
        "raised": len(raised),
    }
