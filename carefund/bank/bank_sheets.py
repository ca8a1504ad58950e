"""Reading a bank's files (a return file, a statement): columns by preset or by mapping,
cells into checked values, every bad cell of every line collected before anything changes.

A bank's CSV is often GB18030 and its XLSX has a title row or two: `carefund.sheets` reads
both. Which column holds which field comes from the preset's header names (several banks'
names are known at once) or from a mapping the caller gives (`{"amount": "交易金额"}`),
which wins.
"""

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

from carefund.errors import ImportRejected, InvalidInput
from carefund.limits import BANK_LINES_MAX, BANK_REFERENCE_LENGTH_MAX
from carefund.money import parse_amount
from carefund.sheets import Layout, Sheet, normalize_header, read_table
from carefund.validation import DATE_MAX, DATE_MIN

RETURN_PRESETS: dict[str, dict[str, str]] = {
    "generic": {
        "reference": "参考号",
        "account": "账号",
        "name": "户名",
        "amount": "金额",
        "status": "状态",
        "reason": "失败原因",
        "bank_reference": "银行流水号",
        "booked_on": "日期",
    },
    "rural_credit": {
        "reference": "备注",
        "account": "一折通账号",
        "name": "姓名",
        "amount": "发放金额",
        "status": "处理结果",
        "reason": "失败原因",
        "bank_reference": "流水号",
        "booked_on": "处理日期",
    },
    "card_payroll": {
        "reference": "业务参考号",
        "account": "收款人账号",
        "name": "收款人户名",
        "amount": "金额(元)",
        "status": "交易状态",
        "reason": "错误信息",
        "bank_reference": "交易流水号",
        "booked_on": "交易日期",
    },
}
"""Return files: each preset's header per field (the file's headers may be in any order)."""
RETURN_REQUIRED = ("reference", "amount", "status")

STATEMENT_PRESETS: dict[str, dict[str, str]] = {
    "generic": {
        "booked_on": "日期",
        "amount": "金额",
        "balance": "余额",
        "counterparty": "对方户名",
        "reference": "参考号",
        "description": "摘要",
    },
    "debit_credit": {
        "booked_on": "交易日期",
        "debit": "借方发生额",
        "credit": "贷方发生额",
        "balance": "账户余额",
        "counterparty": "对方户名",
        "reference": "交易流水号",
        "description": "摘要",
    },
    "out_in": {
        "booked_on": "记账日期",
        "debit": "支出金额",
        "credit": "收入金额",
        "balance": "余额",
        "counterparty": "对方名称",
        "reference": "附言",
        "description": "用途",
    },
}
"""Statements: a signed amount, or money out (借方/支出) and in (贷方/收入) in two columns."""
STATEMENT_REQUIRED = ("booked_on", "balance")


def read_bank_sheet(
    data: bytes,
    *,
    presets: dict[str, dict[str, str]],
    preset: object,
    mapping: object,
    required: tuple[str, ...],
) -> Sheet:
    """The file's rows under the columns the preset (all presets, when none is named) and
    the mapping give."""
    aliases = _aliases(presets, preset, mapping)
    sheet = read_table(data, Layout(aliases, required[:1], required))
    if len(sheet.rows) > BANK_LINES_MAX:
        raise InvalidInput(f"行数过多：最多 {BANK_LINES_MAX} 行", field="file")
    return sheet


def _aliases(presets: dict[str, dict[str, str]], preset: object, mapping: object) -> dict[str, str]:
    if preset not in (None, "") and preset not in presets:
        raise InvalidInput(f"未知的格式（可选：{', '.join(presets)}）", field="preset")
    chosen = [presets[str(preset)]] if preset else list(presets.values())
    fields = {field for columns in presets.values() for field in columns}
    aliases = {normalize_header(field): field for field in fields}
    for columns in chosen:
        aliases |= {normalize_header(header): field for field, header in columns.items()}
    if mapping not in (None, "", {}):
        if not isinstance(mapping, dict):
            raise InvalidInput("mapping 应为 {字段: 列名}", field="mapping")
        for field, header in mapping.items():
            if field not in fields or not isinstance(header, str) or not header.strip():
                raise InvalidInput(f"mapping 中的 {field!r} 不是可用的字段或列名", field="mapping")
            aliases[normalize_header(header)] = field
    return aliases


class LineErrors:
    """The bad cells of a file, each with its line and field, refused all at once."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def check(self, row: int, field: str, check: Callable[[str], Any], text: str) -> Any:
        """`check(text)`, or None with the error kept."""
        try:
            return check(text)
        except InvalidInput as exc:
            self.errors.append({"row": row, "field": field, "msg": exc.message})
            return None

    def add(self, row: int, field: str, message: str) -> None:
        self.errors.append({"row": row, "field": field, "msg": message})

    def refuse_if_any(self, what: str) -> None:
        if self.errors:
            lines = len({error["row"] for error in self.errors})
            raise ImportRejected(f"{what}有 {lines} 行不正确，未导入任何一行", errors=self.errors)


def cells_of(sheet: Sheet, cells: list[str]) -> dict[str, str]:
    """A row's texts by field."""
    return {
        field: (cells[index].strip() if index < len(cells) else "")
        for index, field in sheet.columns.items()
    }


_DATE_FORMATS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)


def bank_date(text: str) -> date:
    """2026-12-05, 2026/12/05, 20261205, 2026年12月5日 (a time after it is ignored)."""
    text = text.strip().split(" ")[0].split("T")[0]
    for pattern in _DATE_FORMATS:
        match = pattern.fullmatch(text)
        if match:
            try:
                day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                break
            if DATE_MIN <= day <= DATE_MAX:
                return day
            break
    raise InvalidInput(f"日期不正确：{text[:20]!r}（如 2026-12-05 或 20261205）")


def bank_amount(text: str) -> int:
    """A positive amount as banks print it: 1,234.50 or ￥1234.5 (fen)."""
    cleaned = unicodedata.normalize("NFKC", text).replace(",", "").replace("¥", "").strip()
    return parse_amount(cleaned.removeprefix("￥"))


def signed_amount(text: str) -> int:
    """A signed amount (-1,234.50 is money out), never zero."""
    cleaned = unicodedata.normalize("NFKC", text).replace(",", "").strip()
    if cleaned.startswith("-"):
        return -bank_amount(cleaned[1:])
    return bank_amount(cleaned.removeprefix("+"))


def balance_amount(text: str) -> int:
    """A balance: zero and negatives allowed."""
    cleaned = unicodedata.normalize("NFKC", text).replace(",", "").strip()
    if cleaned in ("0", "0.0", "0.00"):
        return 0
    return signed_amount(cleaned)


SUCCEEDED_WORDS = {"成功", "交易成功", "已成功", "处理成功", "success", "succeeded", "s", "0"}
FAILED_WORDS = {"失败", "交易失败", "处理失败", "已退回", "退回", "failed", "fail", "f", "1"}


def bank_outcome(text: str) -> str:
    """`succeeded` or `failed` from the words banks use."""
    word = text.strip().lower()
    if word in SUCCEEDED_WORDS:
        return "succeeded"
    if word in FAILED_WORDS:
        return "failed"
    raise InvalidInput(f"无法识别的处理结果：{text[:20]!r}（应为 成功 或 失败）")


def short_text(text: str) -> str:
    if len(text) > BANK_REFERENCE_LENGTH_MAX:
        raise InvalidInput(f"最长 {BANK_REFERENCE_LENGTH_MAX} 个字")
    return text
