"""The bank batch payment file (代发文件) of a batch, and what it is written from.

A file's columns follow a template: a preset (a generic one and two in the shape banks'
代发 systems commonly take) or columns given one by one (field and header). The file's
footer and its PDF cover sheet repeat the batch number, the count and the total, for the
signatures. Writing the file is the one place a full account number leaves the database:
only who may do bank transfers may, and each export is in the audit log.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from carefund.access.users import Action, names_on_documents, require
from carefund.audit import write_audit
from carefund.bank.batches import batch_public, batch_row, get_fund_code
from carefund.errors import Conflict, InvalidInput
from carefund.events import record_event
from carefund.models import (
    BankBatch,
    BankBatchItem,
    Disbursement,
    Fund,
    Recipient,
    User,
    as_utc,
    row_id,
    utcnow,
)
from carefund.money import capital_amount, format_fen
from carefund.privacy import mask_account_no
from carefund.vocabulary import (
    ACCOUNT_KIND_NAMES_ZH,
    AccountKind,
    BankStatus,
    BatchStatus,
    DisbursementStatus,
)

FILE_FIELDS = {
    "line_no": "序号",
    "account": "账号",
    "name": "户名",
    "amount": "金额",
    "purpose": "用途",
    "reference": "参考号",
    "bank": "开户行",
    "member_no": "党员编号",
}
"""What a column of a bank file may hold, and its header by default."""
TEMPLATES: dict[str, tuple[tuple[str, str], ...]] = {
    "generic": tuple(
        (name, FILE_FIELDS[name])
        for name in ("line_no", "account", "name", "amount", "purpose", "reference")
    ),
    "rural_credit": (
        ("account", "一折通账号"),
        ("name", "姓名"),
        ("amount", "发放金额"),
        ("purpose", "摘要"),
        ("reference", "备注"),
    ),
    "card_payroll": (
        ("line_no", "序号"),
        ("account", "收款人账号"),
        ("name", "收款人户名"),
        ("bank", "收款行"),
        ("amount", "金额(元)"),
        ("purpose", "用途"),
        ("reference", "业务参考号"),
    ),
}
"""The presets: generic, a rural credit union's 一折通 payroll, a bank's card payroll."""
TEMPLATE_NAMES_ZH = {
    "generic": "通用代发格式",
    "rural_credit": "农商行（信用社）一折通代发格式",
    "card_payroll": "银行卡批量代发格式",
}
FILE_FORMATS = ("xlsx", "csv")


@dataclass(frozen=True)
class TransferLine:
    """One payment of the file."""

    line_no: int
    reference: str
    member_no: str
    name: str
    account: str
    """The full number: only in the file, never on a page."""
    bank: str
    amount_fen: int
    purpose: str


@dataclass(frozen=True)
class TransferFile:
    """A batch's bank file, as `receipts` writes it (XLSX or CSV) and its cover sheet."""

    fund_code: str
    fund_name: str
    org: str
    batch_number: str
    columns: tuple[tuple[str, str], ...]
    """(field, header) per column."""
    template: str
    lines: tuple[TransferLine, ...]
    total_fen: int
    made_by: str
    made_at: datetime

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def total_capital(self) -> str:
        return capital_amount(self.total_fen)

    def cells(self, line: TransferLine) -> list[object]:
        """A line's cells in the template's order (amounts as two-decimal text)."""
        values: dict[str, object] = {
            "line_no": line.line_no,
            "account": line.account,
            "name": line.name,
            "amount": format_fen(line.amount_fen),
            "purpose": line.purpose,
            "reference": line.reference,
            "bank": line.bank,
            "member_no": line.member_no,
        }
        return [values[name] for name, _header in self.columns]

    def footer(self) -> list[list[object]]:
        """What the file's last rows repeat: batch number, count and total."""
        return [
            ["批次号", self.batch_number],
            ["笔数", self.count],
            ["合计金额", format_fen(self.total_fen)],
        ]


def template_columns(template: object, columns: object = None) -> tuple[tuple[str, str], ...]:
    """The columns of a preset, or of `columns` given as `[{"field", "header"?}, …]`."""
    if columns not in (None, [], ""):
        return _explicit_columns(columns)
    if template in (None, ""):
        template = "generic"
    if not isinstance(template, str) or template not in TEMPLATES:
        raise InvalidInput(f"未知的代发模板（可选：{', '.join(TEMPLATES)}）", field="template")
    return TEMPLATES[template]


def _explicit_columns(columns: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(columns, list) or not columns or len(columns) > len(FILE_FIELDS) * 2:
        raise InvalidInput("columns 应为列的列表", field="columns")
    chosen = []
    for column in columns:
        name = column.get("field") if isinstance(column, dict) else column
        if name not in FILE_FIELDS:
            raise InvalidInput(
                f"未知的列：{name}（可选：{', '.join(FILE_FIELDS)}）", field="columns"
            )
        header = column.get("header") if isinstance(column, dict) else None
        if header is not None and (not isinstance(header, str) or len(header) > 40):
            raise InvalidInput("列名应为不超过 40 字的文字", field="columns")
        chosen.append((str(name), header or FILE_FIELDS[str(name)]))
    if not {"account", "amount"} <= {name for name, _ in chosen}:
        raise InvalidInput("代发文件至少要有 account（账号）和 amount（金额）两列", field="columns")
    return tuple(chosen)


def export_transfer_file(
    session: Session,
    *,
    batch_id: object,
    template: object = None,
    columns: object = None,
    actor: User,
) -> TransferFile:
    """The batch's approved items not yet paid by the bank, with full account numbers,
    for the bank; marks the batch exported and records who wrote it."""
    require(actor, Action.bank_transfer)
    chosen = template_columns(template, columns)
    batch = batch_row(session, batch_id)
    fund = session.get(Fund, batch.fund_id)
    assert fund is not None
    rows = _payable(session, row_id(batch))
    _refuse_unpayable(rows)
    lines = tuple(_line(item, disbursement, recipient) for item, disbursement, recipient in rows)
    batch.status = BatchStatus.exported.value
    batch.exported_by = actor.username
    batch.exported_at = batch.updated_at = utcnow()
    session.add(batch)
    session.flush()
    total = sum(line.amount_fen for line in lines)
    detail = {
        "number": batch.number,
        "count": len(lines),
        "total": format_fen(total),
        "template": template if columns in (None, []) else "custom",
        "accounts": [mask_account_no(line.account) for line in lines],
    }
    write_audit(
        session,
        actor=actor.username,
        action="bank.file.exported",
        obj=("bank_batch", batch.id),
        detail=detail,
    )
    public = batch_public(session, batch, fund.code)
    record_event(
        session,
        "bank.file.exported",
        public | {"file": detail | {"accounts": None}},
        unit_id=fund.unit_id,
    )
    made_by = names_on_documents(session, actor.username)[actor.username]
    return TransferFile(
        fund_code=fund.code,
        fund_name=fund.name,
        org=fund.org,
        batch_number=batch.number,
        columns=chosen,
        template=str(detail["template"]),
        lines=lines,
        total_fen=total,
        made_by=made_by,
        made_at=as_utc(batch.exported_at),
    )


Payable = tuple[BankBatchItem, Disbursement, Recipient]


def _payable(session: Session, batch_id: int) -> list[Payable]:
    query = (
        select(BankBatchItem, Disbursement, Recipient)
        .join(Disbursement, col(Disbursement.id) == BankBatchItem.disbursement_id)
        .join(Recipient, col(Recipient.id) == Disbursement.recipient_id)
        .where(
            BankBatchItem.batch_id == batch_id,
            Disbursement.status == DisbursementStatus.approved.value,
            BankBatchItem.bank_status != BankStatus.succeeded.value,
        )
        .order_by(col(BankBatchItem.line_no))
    )
    return [
        (item, disbursement, recipient) for item, disbursement, recipient in session.exec(query)
    ]


def _refuse_unpayable(rows: list[Payable]) -> None:
    if not rows:
        raise Conflict("批次中没有已审批、待银行发放的支出：请先审批")
    missing = [recipient.member_no for _item, _d, recipient in rows if not recipient.account_no]
    if missing:
        raise Conflict(
            f"{len(missing)} 位关爱对象没有登记收款账号：{'、'.join(missing[:20])}"
            + ("…" if len(missing) > 20 else "")
        )


def _line(item: BankBatchItem, disbursement: Disbursement, recipient: Recipient) -> TransferLine:
    # Without a bank's name, the kind of account says where it is (救助卡, 一折通).
    kind = (
        ACCOUNT_KIND_NAMES_ZH[AccountKind(recipient.account_kind)]
        if (recipient.account_kind)
        else ""
    )
    return TransferLine(
        line_no=item.line_no,
        reference=item.reference,
        member_no=recipient.member_no,
        name=recipient.name,
        account=recipient.account_no or "",
        bank=recipient.account_bank or kind,
        amount_fen=disbursement.amount_fen,
        purpose=disbursement.purpose or "关爱基金发放",
    )


@dataclass(frozen=True)
class CoverSheet:
    """The cover sheet (代发汇总表) that goes to the bank with the file, for signatures:
    no account numbers, only the batch's count and total."""

    fund_code: str
    fund_name: str
    org: str
    batch_number: str
    selection: str
    count: int
    total_fen: int
    lines: tuple[tuple[int, str, str, int], ...]
    """(line, member_no, masked account, amount) per item sent."""
    exported_by: str | None
    exported_at: datetime | None

    @property
    def total_capital(self) -> str:
        return capital_amount(self.total_fen)


def cover_sheet(session: Session, *, batch_id: object, actor: User) -> CoverSheet:
    """The cover sheet of the batch's items the bank is (or will be) asked to pay."""
    require(actor, Action.read)
    batch: BankBatch = batch_row(session, batch_id)
    fund = session.get(Fund, batch.fund_id)
    assert fund is not None
    rows = _payable(session, row_id(batch)) or _sent(session, row_id(batch))
    names = names_on_documents(session, batch.exported_by)
    return CoverSheet(
        fund_code=fund.code,
        fund_name=fund.name,
        org=fund.org,
        batch_number=batch.number,
        selection=batch.selection,
        count=len(rows),
        total_fen=sum(d.amount_fen for _i, d, _r in rows),
        lines=tuple(
            (i.line_no, r.member_no, mask_account_no(r.account_no) or "", d.amount_fen)
            for i, d, r in rows
        ),
        exported_by=names.get(batch.exported_by or "", None),
        exported_at=as_utc(batch.exported_at) if batch.exported_at else None,
    )


def _sent(session: Session, batch_id: int) -> list[Payable]:
    query = (
        select(BankBatchItem, Disbursement, Recipient)
        .join(Disbursement, col(Disbursement.id) == BankBatchItem.disbursement_id)
        .join(Recipient, col(Recipient.id) == Disbursement.recipient_id)
        .where(BankBatchItem.batch_id == batch_id)
        .order_by(col(BankBatchItem.line_no))
    )
    return [
        (item, disbursement, recipient) for item, disbursement, recipient in session.exec(query)
    ]


__all__ = ["get_fund_code"]
