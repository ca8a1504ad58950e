"""Request and response families of the bank: batches, bank files, returns, statements,
matching and the monthly reconciliation."""

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas import DateIn, Id, MoneyOut, RequestBody
from carefund.limits import BATCH_ITEMS_MAX, MATCH_WINDOW_DAYS_MAX, TEXT_LENGTH_MAX

SignedMoney = str


class BatchCreate(RequestBody):
    """Which disbursements: a plan (and its due dates), a status, or ids; all given narrow
    the selection. Only submitted and approved ones that no batch holds for the bank."""

    plan_id: Id | None = None
    due_from: DateIn | None = None
    due_to: DateIn | None = None
    status: Literal["submitted", "approved"] | None = None
    disbursement_ids: list[Id] | None = Field(default=None, max_length=BATCH_ITEMS_MAX)


class BatchPublic(BaseModel):
    id: int
    number: str = Field(examples=["HC-RELIEF-PF-202612-01"])
    fund: str
    selection: str
    status: Literal["prepared", "exported", "settled"]
    item_count: int
    total: MoneyOut
    by_status: dict[str, int] = Field(description="items per disbursement status")
    by_bank_status: dict[str, int] = Field(description="items per bank answer")
    created_by: str
    created_at: dt.datetime
    exported_by: str | None
    exported_at: dt.datetime | None


class BatchRefusal(BaseModel):
    line_no: int
    disbursement_id: int
    reason: str


class BatchStepPublic(BaseModel):
    batch: BatchPublic
    step: Literal["approve", "reject", "pay"]
    done: list[int] = Field(description="the disbursements moved")
    refused: list[BatchRefusal] = Field(description="every item refused, with the reason")


class BatchReject(RequestBody):
    reason: str = Field(max_length=TEXT_LENGTH_MAX)


class BatchPay(RequestBody):
    paid_on: DateIn
    method: str | None = Field(default=None, max_length=32)


class BatchItemPublic(BaseModel):
    line_no: int
    reference: str
    disbursement_id: int
    recipient_id: int
    member_no: str
    name: str
    account_no_masked: str | None
    amount: MoneyOut
    status: str
    bank_status: Literal["pending", "succeeded", "failed"]
    bank_reason: str | None
    bank_reference: str | None
    bank_on: dt.date | None


class ReturnLinePublic(BaseModel):
    row: int
    reference: str
    amount: MoneyOut
    disbursement_id: int | None = None
    reason: str | None = None


class ReturnImportPublic(BaseModel):
    fund: str
    filename: str
    file_id: int
    lines: int
    succeeded: list[ReturnLinePublic] = Field(description="paid through the pay use case")
    failed: list[ReturnLinePublic] = Field(description="left approved, the bank's reason kept")
    already: list[ReturnLinePublic] = Field(description="applied before; nothing changed")
    refused: list[ReturnLinePublic] = Field(description="the pay use case refused (reason)")
    unmatched: list[ReturnLinePublic] = Field(description="reference names nothing; listed")
    already_imported: bool = Field(description="the same file came before: nothing changed")


class BankFailurePublic(BaseModel):
    id: int
    batch: str
    reference: str
    disbursement_id: int
    recipient_id: int
    amount: MoneyOut
    reason: str | None
    bank_on: dt.date | None


class StatementImportPublic(BaseModel):
    fund: str
    filename: str
    file_id: int
    lines: int
    added: int
    repeated: int = Field(description="lines already imported from another file")
    first_day: dt.date
    last_day: dt.date
    already_imported: bool


class StatementLinePublic(BaseModel):
    id: int
    booked_on: dt.date
    amount: str = Field(description="signed: money out is negative", examples=["-12.00"])
    balance: str
    counterparty: str
    reference: str
    description: str
    match_kind: Literal["auto", "manual", "booked"] | None
    matched_by: str | None
    matched_at: dt.datetime | None
    vouchers: list[str]


class AutoMatch(RequestBody):
    window_days: int | None = Field(default=None, ge=0, le=MATCH_WINDOW_DAYS_MAX)


class AutoMatchedLine(BaseModel):
    line_id: int
    booked_on: dt.date
    amount: str
    vouchers: list[str]


class AutoMatchPublic(BaseModel):
    fund: str
    matched: list[AutoMatchedLine]
    unmatched: int


class ManualMatch(RequestBody):
    vouchers: list[str] = Field(min_length=1, max_length=BATCH_ITEMS_MAX)


class BookLine(RequestBody):
    description: str | None = Field(default=None, max_length=200)


class TransitItemPublic(BaseModel):
    date: dt.date
    ref: str
    text: str
    amount: MoneyOut


class ReconciliationPublic(BaseModel):
    fund: str
    month: str
    book_balance: MoneyOut
    bank_balance: MoneyOut
    book_received_bank_not: list[TransitItemPublic]
    book_paid_bank_not: list[TransitItemPublic]
    bank_received_book_not: list[TransitItemPublic]
    bank_paid_book_not: list[TransitItemPublic]
    adjusted_book_balance: MoneyOut
    adjusted_bank_balance: MoneyOut
    balanced: bool
    confirmed_by: str | None
    confirmed_at: dt.datetime | None


class BankSetting(RequestBody):
    require_reconciliation: bool


class BankSettingPublic(BaseModel):
    fund: str
    require_reconciliation: bool
