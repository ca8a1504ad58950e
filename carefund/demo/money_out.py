"""The demo's money out of the care fund: the year's programmes and case-by-case help."""

from datetime import date, timedelta

from sqlmodel import Session

from carefund import disbursements
from carefund.demo.year import CARE_FUND, Year
from carefund.models import Recipient
from carefund.vocabulary import MemberCategory


def disburse(
    year: Year,
    day: date,
    recipient: Recipient,
    yuan: int,
    aspect: str,
    purpose: str,
    *,
    fund: str = CARE_FUND,
    method: str = "转账",
    submitter: str = "clerk",
    approver: str = "approver",
    outcome: str = "paid",
) -> None:
    """Submitted, approved by another person, paid by the cashier, all dated `day`;
    `outcome` stops it earlier (submitted, approved) or turns it aside (rejected, cancelled).
    """

    def run(session: Session) -> None:
        made = disbursements.submit_disbursement(
            session,
            fund_code=fund,
            recipient_id=recipient.id,
            amount=str(yuan),
            aspect=aspect,
            purpose=purpose,
            actor=year.staff[submitter],
        )
        assert made.id is not None
        if outcome == "submitted":
            return
        if outcome == "rejected":
            disbursements.reject_disbursement(
                session,
                disbursement_id=made.id,
                reason="经核实不符合救助条件",
                actor=year.staff["approver"],
            )
            return
        if outcome == "cancelled":
            # A clerk withdraws only what it submitted; the integration user may not
            # withdraw at all, so an admin withdraws what it submitted.
            canceller = submitter if submitter != "integration" else "admin"
            disbursements.cancel_disbursement(
                session, disbursement_id=made.id, actor=year.staff[canceller]
            )
            return
        disbursements.approve_disbursement(
            session, disbursement_id=made.id, actor=year.staff[approver]
        )
        if outcome == "approved":
            return
        disbursements.pay_disbursement(
            session,
            disbursement_id=made.id,
            paid_on=day,
            method=method,
            actor=year.staff["cashier"],
        )
        if fund == CARE_FUND:
            year.care_paid_ids.append((day, made.id))

    year.at(day, run)


def care_programmes(year: Year) -> None:
    """The year's programmes of the care fund, over the whole 6×3 matrix."""
    rng = year.rng
    c = MemberCategory
    # 春节走访慰问 (生活帮扶), before the Spring Festival of 17 February.
    spring = {
        c.hardship: (180, 800),
        c.retired: (110, 500),
        c.rural_community: (60, 500),
        c.mobile: (20, 500),
        c.non_public: (12, 500),
        c.cadre: (10, 500),
    }
    for category, (count, yuan) in spring.items():
        for recipient in year.pick(category, count):
            day = date(2026, 2, rng.randint(5, 12))
            disburse(year, day, recipient, yuan, "life_assistance", "春节走访慰问")
    # “七一”走访慰问老党员、困难党员 (精神关怀).
    july = {
        c.retired: (180, 300),
        c.hardship: (80, 300),
        c.rural_community: (50, 200),
        c.mobile: (30, 200),
        c.non_public: (40, 200),
        c.cadre: (30, 200),
    }
    for category, (count, yuan) in july.items():
        for recipient in year.pick(category, count):
            day = date(2026, 6, 24) + timedelta(days=rng.randint(0, 8))
            disburse(year, day, recipient, yuan, "spiritual_care", "“七一”走访慰问")
    _awards_and_school_help(year)


def _awards_and_school_help(year: Year) -> None:
    rng = year.rng
    c = MemberCategory
    # 优秀共产党员、优秀党务工作者表彰 (工作激励).
    awards = {
        c.cadre: (60, 1000),
        c.non_public: (50, 800),
        c.rural_community: (40, 600),
        c.mobile: (20, 600),
        c.retired: (20, 500),
        c.hardship: (10, 500),
    }
    for category, (count, yuan) in awards.items():
        for recipient in year.pick(category, count):
            disburse(
                year, date(2026, 7, 10), recipient, yuan, "work_incentive", "优秀共产党员表彰奖励"
            )
    # 重阳节慰问老党员 (精神关怀), 18 October.
    for recipient in year.pick(c.retired, 150):
        day = date(2026, 10, rng.randint(14, 18))
        disburse(year, day, recipient, 200, "spiritual_care", "重阳节慰问")
    # 困难党员子女助学 (生活帮扶), before the school year.
    for category in (c.hardship, c.rural_community, c.mobile):
        for recipient in year.pick(category, 12):
            day = date(2026, 8, rng.randint(17, 28))
            yuan = rng.choice((1000, 1500, 2000))
            disburse(year, day, recipient, yuan, "life_assistance", "困难党员子女助学")


CASE_CATEGORIES = (
    [MemberCategory.hardship] * 5
    + [MemberCategory.retired] * 3
    + [MemberCategory.rural_community] * 3
    + [MemberCategory.mobile, MemberCategory.non_public, MemberCategory.cadre]
)
"""Who asks for help case by case, weighted: the hardship members most often."""
CASE_PURPOSES = ("大病医疗救助", "临时生活救助", "住院慰问", "因灾临时救助")


def care_case_by_case(year: Year) -> None:
    """Medical and emergency help through the year, some by the district's system."""
    rng = year.rng
    for month in range(1, 12):
        for _ in range(9):
            # January's help starts once the first money is in; November's stops today.
            first, last = (16 if month == 1 else 2), (26 if month == 11 else 28)
            day = date(2026, month, rng.randint(first, last))
            category = rng.choice(CASE_CATEGORIES)
            purpose = rng.choice(CASE_PURPOSES)
            aspect = "spiritual_care" if purpose == "住院慰问" else "life_assistance"
            yuan = 500 if aspect == "spiritual_care" else rng.randint(10, 50) * 100
            submitter = "integration" if rng.random() < 0.3 else rng.choice(("clerk", "clerk2"))
            recipient = rng.choice(year.roll[category])
            disburse(year, day, recipient, yuan, aspect, purpose, submitter=submitter)
    # Not everything is paid: a few refused or withdrawn, and the open month's queue.
    odd = [
        (date(2026, 4, 21), "rejected"),
        (date(2026, 9, 8), "rejected"),
        (date(2026, 6, 11), "cancelled"),
    ]
    queue = [(date(2026, 11, 20 + n), "approved") for n in range(3)] + [
        (date(2026, 11, 23 + n), "submitted") for n in range(5)
    ]
    for day, outcome in odd + queue:
        category = rng.choice(CASE_CATEGORIES)
        recipient = rng.choice(year.roll[category])
        yuan = rng.randint(10, 30) * 100
        purpose = rng.choice(CASE_PURPOSES)
        disburse(year, day, recipient, yuan, "life_assistance", purpose, outcome=outcome)
