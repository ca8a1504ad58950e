"""The fund's fixed vocabulary: enum values used in the API and their Chinese names."""

from enum import StrEnum


class IncomeSource(StrEnum):
    """Where money comes from (收入来源)."""

    party_dues_subsidy = "party_dues_subsidy"
    """党费补贴: a subsidy out of party dues."""
    fiscal_support = "fiscal_support"
    """财政支持: support from the district budget."""
    member_donation = "member_donation"
    """党员募捐: donations collected from members."""
    sponsorship = "sponsorship"
    """社会赞助: sponsorship by enterprises and society."""


class MemberCategory(StrEnum):
    """The six categories of members in need (党员类别)."""

    cadre = "cadre"
    """党员干部."""
    retired = "retired"
    """老党员及离退休职工党员."""
    rural_community = "rural_community"
    """农民(社区)党员."""
    non_public = "non_public"
    """非公经济组织党员."""
    mobile = "mobile"
    """流动党员."""
    hardship = "hardship"
    """生活困难党员."""


class Aspect(StrEnum):
    """The three aspects of care (关爱方面)."""

    work_incentive = "work_incentive"
    """工作激励: incentive at work."""
    spiritual_care = "spiritual_care"
    """精神关怀: care for the spirit."""
    life_assistance = "life_assistance"
    """生活帮扶: assistance in daily life."""


class DisbursementStatus(StrEnum):
    """Where a disbursement stands in its workflow."""

    submitted = "submitted"
    """Recorded by a clerk, waiting for an approver."""
    approved = "approved"
    """Approved; its amount is reserved from the available balance until paid."""
    rejected = "rejected"
    """Refused by an approver, with a reason."""
    cancelled = "cancelled"
    """Withdrawn by a clerk before approval."""
    paid = "paid"
    """Paid by a cashier; its journal entry is posted."""
    reversed = "reversed"
    """Paid, then corrected by a red-ink reversal."""


class IncomeStatus(StrEnum):
    """Whether an income stands or has been reversed."""

    posted = "posted"
    """Recorded and posted with a receipt."""
    reversed = "reversed"
    """Reversed; its receipt is void (作废) and its number is never reused."""


class UnitKind(StrEnum):
    """The levels of the organisation tree (区 → 街道 → 社区/村)."""

    district = "district"
    """区: the root."""
    street = "street"
    """街道 (or 镇): under the district."""
    community = "community"
    """社区 or 村: under a street."""


UNIT_KIND_NAMES = {"district": "区", "street": "街道", "community": "社区/村"}
UNIT_KIND_BELOW = {"district": "street", "street": "community"}
"""What kind of unit each kind holds directly."""


class Role(StrEnum):
    """What a user may do (DESIGN.md, Roles)."""

    admin = "admin"
    """Everything, including users, funds and reopening a period."""
    clerk = "clerk"
    """Records incomes, manages recipients, submits disbursements, runs plans."""
    approver = "approver"
    """Approves, rejects and reverses; closes periods."""
    cashier = "cashier"
    """Pays approved disbursements."""
    auditor = "auditor"
    """Reads everything, downloads statements, verifies; writes nothing."""
    integration = "integration"
    """A district system: reads, records incomes, manages recipients, submits disbursements."""


class AccountKind(StrEnum):
    """Where a recipient's money is paid to."""

    bank_card = "bank_card"
    """A bank card (银行卡)."""
    relief_card = "relief_card"
    """The relief card (特困党员救助卡)."""
    passbook = "passbook"
    """A passbook for subsidies (一折通)."""


class BatchStatus(StrEnum):
    """Where a batch of disbursements stands."""

    prepared = "prepared"
    """Made; its items wait for approval or payment."""
    exported = "exported"
    """Its bank file was written; the bank's answer is awaited."""
    settled = "settled"
    """The bank answered for every item sent."""


class BankStatus(StrEnum):
    """What the bank said of one item of a batch."""

    pending = "pending"
    """Not sent, or sent and not answered."""
    succeeded = "succeeded"
    """Paid by the bank."""
    failed = "failed"
    """Refused by the bank, with its reason; the disbursement stays approved."""


ACCOUNT_KIND_NAMES_ZH = {
    AccountKind.bank_card: "银行卡",
    AccountKind.relief_card: "救助卡",
    AccountKind.passbook: "一折通",
}

BATCH_STATUS_NAMES_ZH = {
    BatchStatus.prepared: "待处理",
    BatchStatus.exported: "已出代发文件",
    BatchStatus.settled: "银行已回盘",
}

BANK_STATUS_NAMES_ZH = {
    BankStatus.pending: "待回盘",
    BankStatus.succeeded: "成功",
    BankStatus.failed: "失败",
}

SOURCE_NAMES_ZH = {
    IncomeSource.party_dues_subsidy: "党费补贴",
    IncomeSource.fiscal_support: "财政支持",
    IncomeSource.member_donation: "党员募捐",
    IncomeSource.sponsorship: "社会赞助",
}

CATEGORY_NAMES_ZH = {
    MemberCategory.cadre: "党员干部",
    MemberCategory.retired: "老党员及离退休职工党员",
    MemberCategory.rural_community: "农民(社区)党员",
    MemberCategory.non_public: "非公经济组织党员",
    MemberCategory.mobile: "流动党员",
    MemberCategory.hardship: "生活困难党员",
}

ASPECT_NAMES_ZH = {
    Aspect.work_incentive: "工作激励",
    Aspect.spiritual_care: "精神关怀",
    Aspect.life_assistance: "生活帮扶",
}

STATUS_NAMES_ZH = {
    DisbursementStatus.submitted: "待审批",
    DisbursementStatus.approved: "已审批",
    DisbursementStatus.rejected: "已驳回",
    DisbursementStatus.cancelled: "已撤回",
    DisbursementStatus.paid: "已发放",
    DisbursementStatus.reversed: "已冲销",
}

ROLE_NAMES_ZH = {
    Role.admin: "管理员",
    Role.clerk: "经办人",
    Role.approver: "审批人",
    Role.cashier: "出纳",
    Role.auditor: "审计",
    Role.integration: "系统接口",
}
