"""Shared by the document tests: a small quarter of a care fund, and reading PDFs back."""

import io
import re
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader
from sqlmodel import Session

from carefund import disbursements, incomes
from carefund.models import Disbursement, Income, Recipient, User
from carefund.storage.database import Database
from tests.builders import disburse, make_fund, make_recipient, make_staff, record, valid_id_number


def pdf_pages(content: bytes) -> list[str]:
    """The text of each page."""
    assert content.startswith(b"%PDF-"), content[:20]
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def pdf_text(content: bytes) -> str:
    return "\n".join(pdf_pages(content))


def compact(text: str) -> str:
    """Text without whitespace: PDF extraction splits lines and spaced titles (收 款 收 据)."""
    return re.sub(r"\s+", "", text)


@dataclass
class Quarter:
    """What `care_quarter` booked, for the tests to look up."""

    staff: dict[str, User]
    incomes: list[Income]
    roll: dict[str, Recipient]
    paid: list[Disbursement]
    id_numbers: list[str]
    phones: list[str]


PEOPLE = [
    ("王小明", "hardship"),
    ("欧阳小华", "retired"),
    ("李明", "cadre"),
    ("张伟", "rural_community"),
    ("陈静", "non_public"),
    ("刘洋", "mobile"),
]
AMOUNTS = {"work_incentive": "500.00", "spiritual_care": "300.00", "life_assistance": "1200.50"}


def care_quarter(database: Database) -> Quarter:
    """Q1 2026 of HC-CARE, as a worksheet:

    January, in: 50,000.00 党费补贴 + 120,000.00 财政支持 + 8,765.43 党员募捐
    + 30,000.00 社会赞助 (reversed on 2026-03-02) = 178,765.43 net.
    February, out: six members, one per category, each 500.00 + 300.00 + 1,200.50;
    王小明's 500.00 工作激励 reversed on 2026-03-03, so 11,503.00 net.
    Closing: 167,262.43.
    """
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    clerk = staff["clerk"]
    booked = [
        record(
            database,
            clerk,
            "50000.00",
            source="party_dues_subsidy",
            on="2026-01-05",
            payer="区委组织部",
        ),
        record(database, clerk, "120000.00", source="fiscal_support", on="2026-01-10"),
        record(
            database,
            clerk,
            "8765.43",
            source="member_donation",
            on="2026-01-15",
            payer="机关第一党支部全体党员",
        ),
        record(
            database,
            clerk,
            "30000.00",
            source="sponsorship",
            on="2026-01-20",
            payer="某某集团有限公司",
        ),
    ]
    id_numbers = [valid_id_number(100 + number) for number in range(len(PEOPLE))]
    phones = [f"1391234{number:04d}" for number in range(len(PEOPLE))]
    roll = {
        name: make_recipient(
            database,
            clerk,
            name=name,
            category=category,
            branch="城关街道第二党支部",
            id_number=id_numbers[number],
            phone=phones[number],
        )
        for number, (name, category) in enumerate(PEOPLE)
    }
    paid = [
        disburse(database, staff, recipient, amount, aspect=aspect, on="2026-02-10")
        for recipient in roll.values()
        for aspect, amount in AMOUNTS.items()
    ]

    def write(session: Session) -> Any:
        incomes.reverse_income(
            session,
            income_id=booked[3].id,
            reason="赞助协议撤销",
            on="2026-03-02",
            actor=staff["approver"],
        )
        disbursements.reverse_disbursement(
            session,
            disbursement_id=paid[0].id,
            reason="重复发放",
            on="2026-03-03",
            actor=staff["approver"],
        )

    database.write(write)
    return Quarter(staff, booked, roll, paid, id_numbers, phones)


QUARTER_INCOME_FEN = 5_000_000 + 12_000_000 + 876_543
QUARTER_DISBURSED_FEN = 6 * (50_000 + 30_000 + 120_050) - 50_000
QUARTER_CLOSING_FEN = QUARTER_INCOME_FEN - QUARTER_DISBURSED_FEN
