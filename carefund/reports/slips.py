"""The one-page documents as data: an income's receipt (收款收据), a batch of receipts, and
a disbursement's voucher for the recipient to sign (领款签收单). `receipts.slips` prints
them."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund import clock
from carefund.access.users import Action, names_on_documents, require
from carefund.disbursements import disbursement_row
from carefund.errors import Conflict, InvalidInput
from carefund.funds import get_fund
from carefund.incomes import load_income
from carefund.ledger.crosscheck import BadRow, disbursement_row_problem, income_row_problem
from carefund.ledger.hashing import stored_document
from carefund.ledger.kept import RECEIPT_QR_PREFIX
from carefund.models import (
    Disbursement,
    Fund,
    Income,
    JournalEntry,
    Recipient,
    User,
)
from carefund.privacy import mask_id_number
from carefund.reports.printing import Amount, FundHeading, amount_of, fund_heading
from carefund.validation import parse_date
from carefund.vocabulary import (
    ASPECT_NAMES_ZH,
    CATEGORY_NAMES_ZH,
    SOURCE_NAMES_ZH,
    STATUS_NAMES_ZH,
    Aspect,
    DisbursementStatus,
    IncomeSource,
    IncomeStatus,
    MemberCategory,
)

BATCH_RECEIPTS_MAX = 2_000
"""Most receipts in one batch PDF; a longer range is refused so one request stays bounded."""
QR_PAYLOAD_PREFIX = RECEIPT_QR_PREFIX
"""The start of a receipt's QR code, so a scanner app knows what it holds."""


def refuse_if_changed(problem: BadRow | None, *, what: str) -> None:
    """Refuse to print a document whose row no longer agrees with the hash chain: a
    receipt or voucher printed from a changed row would carry the change as if it were
    the books."""
    if problem is not None:
        raise Conflict(f"{problem.describe()}，{what}不予打印；请审计员核查账链（verify）")


# ---------------------------------------------------------------------------------------
# Receipts (收款收据)


@dataclass(frozen=True)
class ReceiptView:
    """One income's receipt."""

    fund: FundHeading
    income_id: int
    receipt_no: str
    received_on: date
    payer: str
    source: str
    source_zh: str
    amount: Amount
    method: str
    memo: str
    clerk: str
    voucher_no: str
    """The entry that posted it, `记-YYYYMM-NNNN`."""
    entry_seq: int
    """That entry's place in the fund's chain."""
    entry_hash: str
    """The posted entry's chain hash, printed and in the QR code, to check against the books."""
    void: bool
    """Reversed: the receipt is shown 作废; its number stays used."""
    void_reason: str | None
    void_on: date | None
    void_voucher_no: str | None
    reviewer: str = ""
    """Who reviewed it (复核人), printed on its line; empty until someone does."""

    @property
    def qr_payload(self) -> str:
        """What the QR code holds: enough to find the entry in the public journal and check it.

        A URI with a percent-encoded query, so it is plain ASCII: QR byte mode has no agreed
        charset without an ECI header (which reportlab cannot write), and scanners read raw
        UTF-8 bytes of 记 as Shift-JIS.
        """
        query = urlencode(
            {
                "fund": self.fund.code,
                "no": self.receipt_no,
                "seq": self.entry_seq,
                "voucher": self.voucher_no,
                "amount": self.amount.plain,
                "sha256": self.entry_hash,
            }
        )
        return f"{QR_PAYLOAD_PREFIX}?{query}"


def receipt_view(session: Session, *, income_id: int, actor: User) -> ReceiptView:
    """The receipt of one income, void when the income was reversed."""
    require(actor, Action.read)
    income = load_income(session, income_id, actor=actor)
    fund = session.get(Fund, income.fund_id)
    assert fund is not None
    return _receipt_of(session, income, fund_heading(fund))


def _receipt_of(session: Session, income: Income, fund: FundHeading) -> ReceiptView:
    entry = session.get(JournalEntry, income.entry_id)
    assert entry is not None
    # A receipt prints the income's row; print it only while the row agrees with the chain.
    refuse_if_changed(income_row_problem(session, income, entry), what="收据")
    reversal = (
        session.get(JournalEntry, income.reversal_entry_id) if income.reversal_entry_id else None
    )
    assert income.id is not None
    names = names_on_documents(session, *filter(None, (income.created_by, income.reviewed_by)))
    return ReceiptView(
        fund=fund,
        income_id=income.id,
        receipt_no=income.receipt_no,
        received_on=income.received_on,
        payer=income.payer,
        source=income.source,
        source_zh=SOURCE_NAMES_ZH[IncomeSource(income.source)],
        amount=amount_of(income.amount_fen),
        method=income.method,
        memo=income.memo,
        clerk=names.get(income.created_by, income.created_by),
        voucher_no=entry.voucher_no,
        entry_seq=entry.seq,
        entry_hash=entry.hash,
        void=income.status == IncomeStatus.reversed.value,
        void_reason=income.reverse_reason,
        void_on=reversal.entry_date if reversal else None,
        void_voucher_no=reversal.voucher_no if reversal else None,
        reviewer=names.get(income.reviewed_by, income.reviewed_by) if income.reviewed_by else "",
    )


@dataclass(frozen=True)
class ReceiptBatchView:
    """Every receipt of a fund whose income was received within a date range."""

    fund: FundHeading
    start: date
    end: date
    receipts: tuple[ReceiptView, ...]


def receipt_batch_view(
    session: Session, *, fund_code: str, start: object, end: object, actor: User
) -> ReceiptBatchView:
    """The receipts of `fund_code` received from `start` to `end` inclusive, by number."""
    require(actor, Action.read)
    first = parse_date(start, field="from")
    last = parse_date(end, field="to")
    if last < first:
        raise InvalidInput("结束日期不能早于开始日期", field="to")
    fund = get_fund(session, fund_code, actor=actor)
    in_range = (
        Income.fund_id == fund.id,
        col(Income.received_on) >= first,
        col(Income.received_on) <= last,
    )
    count = session.exec(select(func.count()).select_from(Income).where(*in_range)).one()
    if count > BATCH_RECEIPTS_MAX:
        raise InvalidInput(
            f"该范围内有 {count} 张收据，超过单次上限 {BATCH_RECEIPTS_MAX} 张，请缩短日期范围",
            field="from",
        )
    heading = fund_heading(fund)
    incomes = session.exec(
        select(Income).where(*in_range).order_by(col(Income.received_on), col(Income.id))
    )
    receipts = tuple(_receipt_of(session, income, heading) for income in incomes)
    return ReceiptBatchView(heading, first, last, receipts)


# ---------------------------------------------------------------------------------------
# Disbursement vouchers (领款签收单)


@dataclass(frozen=True)
class VoucherView:
    """One disbursement's voucher, for the recipient to sign."""

    fund: FundHeading
    disbursement_id: int
    recipient_name: str
    id_number_masked: str | None
    member_no: str
    branch: str
    category_zh: str
    aspect_zh: str
    purpose: str
    memo: str
    amount: Amount
    submitter: str
    approver: str | None
    cashier: str | None
    paid_on: date | None
    method: str
    status: str
    status_zh: str
    voucher_no: str | None
    """The payment's entry, once paid."""
    created_on: date
    reverse_reason: str | None
    meeting: str | None = None
    """Above the fund's approval threshold: the meeting that decided it (三重一大)."""

    @property
    def stamp(self) -> str | None:
        """What is stamped across a voucher that no longer stands (or never did)."""
        if self.status in (
            DisbursementStatus.reversed.value,
            DisbursementStatus.rejected.value,
            DisbursementStatus.cancelled.value,
        ):
            return self.status_zh
        return None


def voucher_view(session: Session, *, disbursement_id: int, actor: User) -> VoucherView:
    """The voucher of one disbursement; the ID number masked, the phone left out."""
    require(actor, Action.read)
    disbursement: Disbursement = disbursement_row(session, disbursement_id, actor=actor)
    fund = session.get(Fund, disbursement.fund_id)
    recipient = session.get(Recipient, disbursement.recipient_id)
    assert fund is not None and recipient is not None and disbursement.id is not None
    entry = session.get(JournalEntry, disbursement.entry_id) if disbursement.entry_id else None
    category = recipient.category
    if entry is not None:
        problem = disbursement_row_problem(
            session, disbursement, entry, member_no=recipient.member_no
        )
        refuse_if_changed(problem, what="领款签收单")
        # Paid: the category at payment time, as the payment's entry recorded it.
        category = (stored_document(entry.document) or {}).get("category", category)
    status = DisbursementStatus(disbursement.status)
    approvers = [n for n in (disbursement.first_approved_by, disbursement.approved_by) if n]
    names = names_on_documents(
        session, disbursement.submitted_by, *approvers, *filter(None, [disbursement.paid_by])
    )
    return VoucherView(
        fund=fund_heading(fund),
        disbursement_id=disbursement.id,
        recipient_name=recipient.name,
        id_number_masked=mask_id_number(recipient.id_number),
        member_no=recipient.member_no,
        branch=recipient.branch,
        category_zh=CATEGORY_NAMES_ZH[MemberCategory(category)],
        aspect_zh=ASPECT_NAMES_ZH[Aspect(disbursement.aspect)],
        purpose=disbursement.purpose,
        memo=disbursement.memo,
        amount=amount_of(disbursement.amount_fen),
        submitter=names.get(disbursement.submitted_by, disbursement.submitted_by),
        approver="、".join(names.get(name, name) for name in approvers) or None,
        cashier=names.get(disbursement.paid_by or "", disbursement.paid_by),
        paid_on=disbursement.paid_on,
        method=disbursement.method,
        status=status.value,
        status_zh=STATUS_NAMES_ZH[status],
        voucher_no=entry.voucher_no if entry else None,
        created_on=clock.local(disbursement.created_at).date(),
        reverse_reason=disbursement.reverse_reason,
        meeting=_meeting(disbursement),
    )


def _meeting(disbursement: Disbursement) -> str | None:
    if not disbursement.meeting_no:
        return None
    on = disbursement.meeting_on.isoformat() if disbursement.meeting_on else "日期未填"
    return f"{disbursement.meeting_no}（{on}）"
