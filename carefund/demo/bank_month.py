"""The relief fund's months through the bank: each month's run goes to the bank as one
batch (代发文件), the bank's return pays it, and after the month ends the bank's statement
is imported, matched, its fee booked and the 银行存款余额调节表 confirmed — so January to
October close reconciled (the fund requires it)."""

import io
from datetime import date, timedelta

from sqlmodel import Session

from carefund import recipients
from carefund.bank import batches, matching, reconciliation, returns, statement_lines
from carefund.bank.cash_entries import cash_entries
from carefund.bank.transfer_file import export_transfer_file
from carefund.demo.year import CLOSED_THROUGH_MONTH, DEMO_YEAR, RELIEF_FUND, Year
from carefund.funds import find_fund
from carefund.ledger.journal import cash_balance_as_of
from carefund.models import row_id
from carefund.periods import parse_month

BANK_NAME = "城关区农村商业银行"
FEE_PER_PAYMENT_FEN = 50
"""What the bank charges per payment of a batch (0.50 yuan)."""


def relief_accounts(year: Year) -> None:
    """Every relief member gets a relief card (救助卡) at the bank; the fund requires its
    months reconciled before they close."""

    def open_accounts(session: Session) -> None:
        for member in year.relief_members:
            recipients.update_recipient(
                session,
                recipient_id=row_id(member),
                account_kind="relief_card",
                account_no=f"6217{row_id(member):015d}",
                account_bank=BANK_NAME,
                actor=year.staff["clerk"],
            )
        reconciliation.set_bank_setting(
            session, fund_code=RELIEF_FUND, require_reconciliation=True, actor=year.staff["admin"]
        )

    year.at(date(DEMO_YEAR, 1, 4), open_accounts)


def pay_through_the_bank(year: Year, session: Session, plan_id: int, due: date) -> None:
    """The run of `due` as a batch: approved item by item, written to the bank, and paid by
    the bank's return on the same day."""
    made = batches.create_batch(
        session,
        fund_code=RELIEF_FUND,
        plan_id=plan_id,
        due_from=due,
        due_to=due,
        actor=year.staff["clerk"],
    )
    batches.approve_batch(session, batch_id=made["id"], actor=year.staff["approver"])
    sent = export_transfer_file(
        session, batch_id=made["id"], template="rural_credit", actor=year.staff["cashier"]
    )
    lines = ["参考号,金额,状态,银行流水号,日期"] + [
        f"{line.reference},{line.amount_fen // 100}.{line.amount_fen % 100:02d},成功,"
        f"{due:%Y%m%d}{line.line_no:05d},{due.isoformat()}"
        for line in sent.lines
    ]
    returns.import_bank_return(
        session,
        fund_code=RELIEF_FUND,
        data="\n".join(lines).encode("gb18030"),
        filename=f"回盘-{sent.batch_number}.csv",
        actor=year.staff["cashier"],
    )


def reconciled_months(year: Year) -> None:
    """On the 2nd of each month, the last month's statement: imported, matched, the fee
    booked, the reconciliation confirmed (the month closes on the 3rd)."""
    for month in range(1, CLOSED_THROUGH_MONTH + 1):

        def reconcile(session: Session, month: int = month) -> None:
            _reconcile_month(year, session, f"{DEMO_YEAR}-{month:02d}")

        year.at(date(DEMO_YEAR, month + 1, 2), reconcile)


def _reconcile_month(year: Year, session: Session, month: str) -> None:
    cashier, approver = year.staff["cashier"], year.staff["approver"]
    statement = _statement_of(session, month)
    statement_lines.import_bank_statement(
        session,
        fund_code=RELIEF_FUND,
        data=statement,
        filename=f"对账单-{month}.csv",
        actor=cashier,
    )
    matching.auto_match(session, fund_code=RELIEF_FUND, actor=cashier)
    for line in statement_lines.list_statement_lines(
        session, fund_code=RELIEF_FUND, actor=approver, unmatched=True, limit=500
    ):
        reconciliation.book_statement_line(session, line_id=line["id"], actor=approver)
    reconciliation.confirm_reconciliation(
        session, fund_code=RELIEF_FUND, month=month, actor=approver
    )


def _statement_of(session: Session, month: str) -> bytes:
    """The bank's statement of the month as it would print it: each income by its payer,
    each batch as one debit and its fee, anything else by its voucher number."""
    first, last = parse_month(month)
    fund = find_fund(session, RELIEF_FUND)
    balance = cash_balance_as_of(session, fund_id=row_id(fund), as_of=first - timedelta(days=1))
    rows: list[tuple[date, str, str, str, int]] = []
    batch_totals: dict[str, list] = {}
    for entry in cash_entries(session, fund_id=row_id(fund), start=first, end=last):
        if entry.batch:
            found = batch_totals.setdefault(entry.batch, [entry.entry_date, 0, 0])
            found[1] += entry.cash_fen
            found[2] += 1
        else:
            payer = next(iter(sorted(entry.names)), "")
            reference = "" if payer else entry.voucher_no
            rows.append(
                (
                    entry.entry_date,
                    "入账" if entry.cash_fen > 0 else "支出",
                    payer,
                    reference,
                    entry.cash_fen,
                )
            )
    for number, (day, total, count) in batch_totals.items():
        rows.append((day, f"代发 {number}", "", "", total))
        rows.append((day, "代发手续费", "", "", -count * FEE_PER_PAYMENT_FEN))
    text = io.StringIO()
    text.write("交易日期,摘要,对方户名,参考号,金额,余额\n")
    for day, description, counterparty, reference, amount in sorted(rows, key=lambda r: r[0]):
        balance += amount
        text.write(
            f"{day.isoformat()},{description},{counterparty},{reference},"
            f"{_yuan(amount)},{_yuan(balance)}\n"
        )
    return text.getvalue().encode("gb18030")


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"
