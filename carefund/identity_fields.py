"""The checks of a person's identifying fields — resident ID number (GB 11643), phone,
bank or relief-card account — shared by recipients, staff and the roll import."""

import re

from carefund.errors import InvalidInput
from carefund.limits import ACCOUNT_NO_LENGTH_MAX, ID_NUMBER_LENGTH_MAX, PHONE_LENGTH_MAX
from carefund.privacy import mask_account_no, mask_address, mask_id_number, mask_phone
from carefund.validation import FieldCheck, choose, clean_text
from carefund.vocabulary import ACCOUNT_KIND_NAMES_ZH, AccountKind

PHONE_PATTERN = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}")
"""A mainland mobile number, or a landline with its area code."""
ID_NUMBER_PATTERN = re.compile(r"[1-9][0-9]{16}[0-9X]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
PERSONAL_FIELDS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "address": mask_address,
    "account_no": mask_account_no,
}
"""Fields the audit log and the events feed keep only masked, with how each is masked (the
recipient's row keeps them encrypted; those copies are not)."""


def id_number_check_char(first17: str) -> str:
    """The GB 11643 check character of an 18-digit resident ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def clean_id_number(value: object) -> str | None:
    text = clean_text(value, field="id_number", length_max=ID_NUMBER_LENGTH_MAX).upper()
    if not text:
        return None
    if not ID_NUMBER_PATTERN.fullmatch(text) or id_number_check_char(text[:17]) != text[17]:
        raise InvalidInput("身份证号不正确（应为 18 位，校验位需正确）", field="id_number")
    return text


def clean_phone(value: object) -> str | None:
    text = clean_text(value, field="phone", length_max=PHONE_LENGTH_MAX).replace(" ", "")
    if not text:
        return None
    if not PHONE_PATTERN.fullmatch(text):
        raise InvalidInput("电话号码不正确（11 位手机号或带区号的固定电话）", field="phone")
    return text


IDENTITY_CHECKS: dict[str, FieldCheck] = {"id_number": clean_id_number, "phone": clean_phone}
"""An ID number and a phone, checked as a recipient's are (for a staff member's too)."""


ACCOUNT_NO_PATTERN = re.compile(r"[0-9]{8,32}")
"""A card or passbook number: digits only (spaces and dashes as printed are dropped)."""


def clean_account_no(value: object) -> str | None:
    text = clean_text(value, field="account_no", length_max=ACCOUNT_NO_LENGTH_MAX + 8)
    text = text.replace(" ", "").replace("-", "")
    if not text:
        return None
    if not ACCOUNT_NO_PATTERN.fullmatch(text):
        raise InvalidInput("账号应为 8 到 32 位数字", field="account_no")
    return text


def clean_account_kind(value: object) -> str | None:
    """A kind by its code or its Chinese name (救助卡), as a roll's sheet writes it."""
    if value in (None, ""):
        return None
    by_name = {zh: kind for kind, zh in ACCOUNT_KIND_NAMES_ZH.items()}
    if isinstance(value, str) and value.strip() in by_name:
        return by_name[value.strip()].value
    return choose(AccountKind, value, field="account_kind").value
