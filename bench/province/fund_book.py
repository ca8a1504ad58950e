"""One fund's books as they are generated: incomes, paid disbursements and now and then a
reversal, each a balanced entry appended to the fund's hash chain as `posting.post_entry`
would, with the rows the use cases would have written."""

import random
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from bench.province.rows import (
    ACTORS,
    Entry,
    Generated,
    Ids,
    Rows,
    at,
    close_first_years,
    write_counters_and_head,
)
from carefund.ledger.accounts import CASH_ACCOUNT, Line, expense_account, income_account
from carefund.ledger.entry_documents import (
    income_document,
    payment_document,
    reversal_document,
)
from carefund.ledger.hashing import CHAIN_VERSION, document_text, entry_hash, entry_public
from carefund.models import GENESIS_HASH
from carefund.vocabulary import ASPECT_NAMES_ZH, SOURCE_NAMES_ZH, Aspect, IncomeSource

INCOME_SHARE = 0.4
"""Of entries, about this many are incomes; the rest pay members (or, rarely, reverse)."""
REVERSAL_RATE = 0.004
"""About one entry in 250 reverses an earlier income or payment (红字冲销)."""

_PURPOSES = ("春节慰问", "医疗救助", "助学帮扶", "节日慰问", "困难补助", "先进表彰", "生日关怀")
_PAYERS = ("党支部", "区财政局", "区委组织部", "爱心企业", "社区党委")
_METHODS = ("转账", "现金", "救助卡")


class FundBook:
    """One fund's books as they are generated: its chain head, cash, counters and what of
    the unwritten batch may still be reversed."""

    def __init__(
        self,
        code: str,
        fund_id: int,
        count: int,
        span: int,
        members: list[tuple[int, str, str]],
        rows: Rows,
        ids: Ids,
        rng: random.Random,
        result: Generated,
    ) -> None:
        self.code, self.fund_id, self.members = code, fund_id, members
        self.rows, self.ids, self.rng, self.result = rows, ids, rng, result
        self.per_day = [0] * span
        for index in range(count):
            self.per_day[index * span // count] += 1
        self.index = 0
        self.counters: dict[str, int] = {}
        self.seq, self.head, self.cash = 0, GENESIS_HASH, 0
        self.month_heads: dict[str, tuple[int, str, int]] = {}
        # What may still be reversed: rows not yet written, with their entry's seq and
        # voucher. Rows once written are final here (a reversal would have to update them).
        self.open_incomes: list[tuple[dict[str, Any], int, str]] = []
        self.paid: list[tuple[dict[str, Any], int, str, str, str]] = []

    def written(self) -> None:
        self.open_incomes, self.paid = [], []

    def post(
        self,
        day: date,
        memo: str,
        lines: list[Line],
        document: dict[str, Any],
        reverses_seq: int | None = None,
    ) -> int:
        """Append one entry to the chain, as `posting.post_entry` would; its id."""
        month = f"voucher:{day:%Y%m}"
        self.counters[month] = self.counters.get(month, 0) + 1
        self.seq += 1
        voucher = f"记-{day:%Y%m}-{self.counters[month]:04d}"
        text = document_text(document)
        entry = Entry(self.seq, voucher, day, memo, reverses_seq, self.head, text)
        digest = entry_hash(entry_public(self.code, entry, lines))  # type: ignore[arg-type]
        entry_id = self.ids.take("journal_entry")
        self.rows.tables["journal_entry"].append(
            {
                "id": entry_id,
                "fund_id": self.fund_id,
                "seq": self.seq,
                "voucher_no": voucher,
                "entry_date": day,
                "memo": memo,
                "reverses_seq": reverses_seq,
                "prev_hash": self.head,
                "hash": digest,
                "chain_version": CHAIN_VERSION,
                "document": text,
                "created_by": ACTORS["clerk"],
                "created_at": at(day),
            }
        )
        for line_no, line in enumerate(lines, start=1):
            self.rows.tables["posting"].append(
                {
                    "id": self.ids.take("posting"),
                    "entry_id": entry_id,
                    "fund_id": self.fund_id,
                    "entry_date": day,
                    "line_no": line_no,
                    "account": line.account,
                    "debit_fen": line.debit_fen,
                    "credit_fen": line.credit_fen,
                    "recipient_id": line.recipient_id,
                    "category": line.category,
                    "aspect": line.aspect,
                }
            )
            if line.account == CASH_ACCOUNT:
                self.cash += line.debit_fen - line.credit_fen
        self.head = digest
        self.month_heads[f"{day:%Y-%m}"] = (self.seq, self.head, self.cash)
        self.result.entries += 1
        return entry_id

    def step(self, day: date) -> None:
        """The fund's next entry: mostly an income or a payment, now and then a reversal."""
        index, self.index = self.index, self.index + 1
        roll = self.rng.random()
        if (
            roll < REVERSAL_RATE
            and self.open_incomes
            and (self.open_incomes[-1][0]["amount_fen"] <= self.cash)
        ):
            _reverse_income(self.post, *self.open_incomes.pop(), day=day)
            self.result.reversals += 1
        elif roll < 2 * REVERSAL_RATE and self.paid:
            _reverse_payment(self.post, *self.paid.pop(), day=day)
            self.result.reversals += 1
        elif roll < INCOME_SHARE or self.cash < 2_000_00:
            self.income(day, _SOURCES[index % len(_SOURCES)])
        else:
            self.payment(day, _ASPECTS[index % len(_ASPECTS)])

    def income(self, day: date, source: str) -> None:
        """What `incomes.record_income` writes."""
        amount = self.rng.randrange(500_00, 20_000_00, 100)
        payer = f"第{self.rng.randrange(1, 60)}{self.rng.choice(_PAYERS)}"
        receipt = f"receipt:{day.year}"
        self.counters[receipt] = self.counters.get(receipt, 0) + 1
        receipt_no = f"{self.code}-{day.year}-{self.counters[receipt]:06d}"
        entry_id = self.post(
            day,
            f"收到{SOURCE_NAMES_ZH[IncomeSource(source)]} {payer}",
            [
                Line(CASH_ACCOUNT, debit_fen=amount),
                Line(income_account(source), credit_fen=amount),
            ],
            income_document(
                receipt_no=receipt_no,
                source=source,
                payer=payer,
                amount_fen=amount,
                received_on=day,
            ),
        )
        income = {
            "id": self.ids.take("income"),
            "fund_id": self.fund_id,
            "source": source,
            "payer": payer,
            "amount_fen": amount,
            "received_on": day,
            "method": self.rng.choice(_METHODS[:2]),
            "memo": "",
            "receipt_no": receipt_no,
            "entry_id": entry_id,
            "status": "posted",
            "reversal_entry_id": None,
            "reverse_reason": None,
            "reversed_by": None,
            "reversed_at": None,
            "created_by": ACTORS["clerk"],
            "created_at": at(day),
        }
        self.rows.tables["income"].append(income)
        voucher = self.rows.tables["journal_entry"][-1]["voucher_no"]
        self.open_incomes.append((income, self.seq, voucher))
        self.result.incomes += 1

    def payment(self, day: date, aspect: str) -> None:
        """What submitting, approving and paying a disbursement write."""
        recipient_id, member_no, category = self.rng.choice(self.members)
        amount = min(self.rng.randrange(100_00, 2_000_00, 50), self.cash)
        disbursement_id = self.ids.take("disbursement")
        purpose = self.rng.choice(_PURPOSES)
        aspect_zh = ASPECT_NAMES_ZH[Aspect(aspect)]
        entry_id = self.post(
            day,
            f"支付{aspect_zh} {member_no} {purpose}（支出 #{disbursement_id}）",
            [
                Line(
                    expense_account(aspect, category),
                    debit_fen=amount,
                    recipient_id=recipient_id,
                    recipient=member_no,
                    category=category,
                    aspect=aspect,
                ),
                Line(CASH_ACCOUNT, credit_fen=amount),
            ],
            payment_document(
                disbursement_id=disbursement_id,
                member_no=member_no,
                category=category,
                aspect=aspect,
                amount_fen=amount,
                approved_by=ACTORS["approver"],
                paid_by=ACTORS["cashier"],
            ),
        )
        disbursement = {
            "id": disbursement_id,
            "fund_id": self.fund_id,
            "recipient_id": recipient_id,
            "amount_fen": amount,
            "aspect": aspect,
            "purpose": purpose,
            "memo": "",
            "status": "paid",
            "submitted_by": ACTORS["clerk"],
            "approved_by": ACTORS["approver"],
            "approved_at": at(day, 9),
            "rejected_by": None,
            "reject_reason": None,
            "cancelled_by": None,
            "paid_by": ACTORS["cashier"],
            "paid_on": day,
            "method": self.rng.choice(_METHODS),
            "entry_id": entry_id,
            "reversal_entry_id": None,
            "reversed_by": None,
            "reverse_reason": None,
            "plan_id": None,
            "due_on": None,
            "created_at": at(day, 8),
            "updated_at": at(day),
        }
        self.rows.tables["disbursement"].append(disbursement)
        self.paid.append(
            (
                disbursement,
                self.seq,
                self.rows.tables["journal_entry"][-1]["voucher_no"],
                category,
                member_no,
            )
        )
        self.result.payments += 1

    def finish(self, connection: Connection, years: tuple[int, ...]) -> None:
        """Counters, the fund's head and cash, and the closed months."""
        write_counters_and_head(
            connection, self.fund_id, self.counters, self.seq, self.head, self.cash
        )
        close_first_years(connection, self.ids, self.fund_id, years, self.month_heads)


_SOURCES = [source.value for source in IncomeSource]
_ASPECTS = [aspect.value for aspect in Aspect]


def _reverse_income(
    post: Callable[..., int], income: dict[str, Any], seq: int, voucher: str, *, day: date
) -> None:
    """What `incomes.reverse_income` posts and changes."""
    # The original's lines negated, in their order (as `journal.reverse_entry` does).
    lines = [
        Line(CASH_ACCOUNT, credit_fen=income["amount_fen"]),
        Line(income_account(income["source"]), debit_fen=income["amount_fen"]),
    ]
    entry_id = post(
        day,
        f"冲销 {voucher}（收据 {income['receipt_no']} 作废）：重复入账",
        lines,
        reversal_document(of_seq=seq, reason="重复入账"),
        reverses_seq=seq,
    )
    income.update(
        status="reversed",
        reversal_entry_id=entry_id,
        reverse_reason="重复入账",
        reversed_by=ACTORS["approver"],
        reversed_at=at(day, 11),
    )


def _reverse_payment(
    post: Callable[..., int],
    disbursement: dict[str, Any],
    seq: int,
    voucher: str,
    category: str,
    member_no: str,
    *,
    day: date,
) -> None:
    """What `disbursements.reverse_disbursement` posts and changes."""
    amount, aspect = disbursement["amount_fen"], disbursement["aspect"]
    lines = [
        Line(
            expense_account(aspect, category),
            credit_fen=amount,
            recipient_id=disbursement["recipient_id"],
            recipient=member_no,
            category=category,
            aspect=aspect,
        ),
        Line(CASH_ACCOUNT, debit_fen=amount),
    ]
    memo = f"冲销 {voucher}（支出 #{disbursement['id']}）：退回"
    document = reversal_document(of_seq=seq, reason="退回")
    entry_id = post(day, memo, lines, document, reverses_seq=seq)
    disbursement.update(
        status="reversed",
        reversal_entry_id=entry_id,
        reverse_reason="退回",
        reversed_by=ACTORS["approver"],
        updated_at=at(day, 11),
    )
