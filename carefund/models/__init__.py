"""The tables. Money columns are BigInteger fen; enums are stored as their string values.

Importing this package registers every table on `SQLModel.metadata` (Alembic's
`migrations/env.py` relies on it). The tables live in modules by area; import them from
here.
"""

from carefund.models.access import ApiToken, FormToken, IdempotencyKey, Setting, User
from carefund.models.aid import Disbursement, Plan, PlanRecipient, Recipient
from carefund.models.alerts import Alert, AlertRuleSetting
from carefund.models.bank import (
    BankBatch,
    BankBatchItem,
    BankFile,
    BankMatch,
    BankReconciliation,
    BankSetting,
    BankStatementLine,
)
from carefund.models.base import GENESIS_HASH, as_utc, row_id, utcnow
from carefund.models.controls import Budget, BudgetChange, ControlOverride, FundControl
from carefund.models.incomes import Income
from carefund.models.ledger import Counter, Fund, JournalEntry, Period, Posting
from carefund.models.records import AuditLog, Event
from carefund.models.units import Grant, Unit

__all__ = [
    "GENESIS_HASH",
    "Alert",
    "AlertRuleSetting",
    "ApiToken",
    "Budget",
    "BudgetChange",
    "ControlOverride",
    "FundControl",
    "AuditLog",
    "BankBatch",
    "BankBatchItem",
    "BankFile",
    "BankMatch",
    "BankReconciliation",
    "BankSetting",
    "BankStatementLine",
    "Counter",
    "Disbursement",
    "Event",
    "FormToken",
    "Fund",
    "Grant",
    "IdempotencyKey",
    "Income",
    "JournalEntry",
    "Period",
    "Plan",
    "PlanRecipient",
    "Posting",
    "Recipient",
    "Setting",
    "Unit",
    "User",
    "as_utc",
    "row_id",
    "utcnow",
]
