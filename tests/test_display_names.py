"""Documents print the staff's display names (经办人, 审批人, 发放人/出纳, 生成人), falling
back to the login name for a user who has none."""

from typing import Any

from sqlmodel import Session

import receipts
from carefund.access import users
from carefund.reports import documents, slips
from tests.builders import disburse, make_fund, make_recipient, make_staff, record
from tests.document_fixtures import compact, pdf_text

NAMES = {"clerk": "李会计", "approver": "王书记", "cashier": "赵出纳", "auditor": "钱审计"}


def test_documents_print_display_names(database) -> None:
    staff = make_staff(database)

    def name(session: Session) -> None:
        for username, shown in NAMES.items():
            user = users.get_user(session, username)
            user.display_name = shown
            session.add(user)

    database.write(name)
    make_fund(database, staff["admin"])
    income = record(database, staff["clerk"], "500.00", on="2026-03-02")
    recipient = make_recipient(database, staff["clerk2"], name="王小明")
    paid = disburse(database, staff, recipient, "100.00", on="2026-03-04")

    def read(session: Session) -> Any:
        auditor = users.get_user(session, "auditor")
        receipt = slips.receipt_view(session, income_id=income.id, actor=auditor)
        voucher = slips.voucher_view(session, disbursement_id=paid.id, actor=auditor)
        statement = documents.statement_view(
            session, fund_code="HC-CARE", period="2026-03", actor=auditor
        )
        return receipt, voucher, statement, compact(pdf_text(receipts.render_voucher(voucher)))

    receipt, voucher, statement, voucher_text = database.read(read)
    assert receipt.clerk == "李会计"
    assert (voucher.submitter, voucher.approver, voucher.cashier) == ("李会计", "王书记", "赵出纳")
    assert statement.generated_by == "钱审计"
    assert "审批人：王书记" in voucher_text and "出纳：赵出纳" in voucher_text


def test_a_user_without_a_display_name_prints_the_login_name(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    income = record(database, staff["clerk"], "500.00", on="2026-03-02")
    receipt = database.read(
        lambda session: slips.receipt_view(session, income_id=income.id, actor=staff["auditor"])
    )
    assert receipt.clerk == "clerk"
