"""The demo's early warnings (廉情预警): a few realistic alerts of each grade, raised by the
rules themselves at the moment of the write that trips them, and the nightly scan's.

- A: a payment to a member deactivated after it was approved; a member whose phone is the
  cashier's (利益关联).
- B: three payments of 1,800 yuan to one member within a fortnight, each under the 5,000
  yuan approval threshold (化整为零); two members with one phone number; the month of
  November past and not closed (when the demo is built after 10 December).
- C: a submission waiting for approval since 5 November; the same aspect paid twice in
  November.

Some are acknowledged or resolved by the auditor with a note.
"""

from datetime import UTC, datetime
from functools import partial

from sqlalchemy import update
from sqlmodel import Session, col, select

from carefund import alerts, disbursements, recipients
from carefund.access import admin
from carefund.alerts.scan import run_step, scan_plan
from carefund.alerts.watch import pause_watch
from carefund.demo.year import CARE_FUND, Year
from carefund.models import Alert, Disbursement, Recipient
from carefund.vocabulary import MemberCategory

SCANNED_RULES = ("approval_overdue", "payment_overdue", "missing_seal", "broken_chain")
"""The rules the demo's scan runs: those about waiting and closing. The others judge the
year's postings by the minute the demo was built in, which says nothing."""


def warnings(year: Year) -> None:
    """Write the story after the year (its dates lie in November, the open month)."""
    year.database.write(lambda session: _story(session, year))
    _scan(year)
    year.database.write(lambda session: _follow_up(session, year))


def _pay(
    session: Session,
    year: Year,
    member: Recipient,
    yuan: int,
    aspect: str,
    purpose: str,
    day: str,
    *,
    deactivate_first: bool = False,
) -> Disbursement:
    made = disbursements.submit_disbursement(
        session,
        fund_code=CARE_FUND,
        recipient_id=member.id,
        amount=str(yuan),
        aspect=aspect,
        purpose=purpose,
        actor=year.staff["clerk"],
    )
    assert made.id is not None
    disbursements.approve_disbursement(
        session, disbursement_id=made.id, actor=year.staff["approver"]
    )
    if deactivate_first:
        recipients.update_recipient(
            session, recipient_id=member.id or 0, active=False, actor=year.staff["clerk"]
        )
    return disbursements.pay_disbursement(
        session, disbursement_id=made.id, paid_on=day, method="转账", actor=year.staff["cashier"]
    )


def _story(session: Session, year: Year) -> None:
    # Every rule but the office hours, which would judge the minute the demo is built in.
    pause_watch(session, frozenset({"off_hours"}))
    hardship = year.roll[MemberCategory.hardship]
    split, twice, gone, shared_a, shared_b, staff_kin = hardship[-6:]
    for day in ("2026-11-06", "2026-11-13", "2026-11-19"):
        _pay(session, year, split, 1_800, "life_assistance", "困难帮扶（分次）", day)
    _pay(session, year, twice, 500, "spiritual_care", "走访慰问", "2026-11-04")
    _pay(session, year, twice, 500, "spiritual_care", "节日慰问", "2026-11-24")
    _pay(
        session,
        year,
        gone,
        2_000,
        "life_assistance",
        "医疗救助",
        "2026-11-20",
        deactivate_first=True,
    )
    recipients.update_recipient(
        session, recipient_id=shared_a.id or 0, phone="13905310001", actor=year.staff["clerk"]
    )
    recipients.update_recipient(
        session, recipient_id=shared_b.id or 0, phone="13905310001", actor=year.staff["clerk"]
    )
    recipients.update_recipient(
        session, recipient_id=staff_kin.id or 0, phone="13905318888", actor=year.staff["clerk"]
    )
    admin.set_identity(
        session, actor=year.staff["admin"], username="cashier", id_number="", phone="13905318888"
    )
    waiting = disbursements.submit_disbursement(
        session,
        fund_code=CARE_FUND,
        recipient_id=hardship[-7].id,
        amount="3000",
        aspect="life_assistance",
        purpose="大病救助",
        actor=year.staff["clerk2"],
    )
    # Submitted, in the story, on 5 November; the demo writes it in the minute it is built.
    session.execute(
        update(Disbursement)
        .where(col(Disbursement.id) == waiting.id)
        .values(created_at=datetime(2026, 11, 5, 1, 30, tzinfo=UTC))
    )


def _scan(year: Year) -> None:
    auditor = year.staff["auditor"]
    steps = year.database.read(lambda session: scan_plan(session, actor=auditor))
    for step in steps:
        if step.rule.code in SCANNED_RULES:
            year.database.write(partial(run_step, step=step, actor=auditor))


def _follow_up(session: Session, year: Year) -> None:
    auditor = year.staff["auditor"]
    found = {row.rule_code: row.id for row in session.exec(select(Alert).order_by(col(Alert.id)))}
    alerts.resolve_alert(
        session,
        alert_id=found["identity_duplicate"],
        actor=auditor,
        note="经核实为夫妻二人共用一部手机，登记无误。",
    )
    alerts.acknowledge_alert(
        session,
        alert_id=found["split_payment"],
        actor=auditor,
        note="已约谈经办人，正核实是否为规避审批而拆分。",
    )
    alerts.acknowledge_alert(
        session,
        alert_id=found["identity_staff"],
        actor=auditor,
        note="出纳与该对象系亲属，已要求回避其付款。",
    )
