"""The chart of accounts, and `Line`: one posting to be made on one of its accounts."""

from dataclasses import dataclass

from carefund.vocabulary import (
    ASPECT_NAMES_ZH,
    CATEGORY_NAMES_ZH,
    SOURCE_NAMES_ZH,
    Aspect,
    IncomeSource,
    MemberCategory,
)

CASH_ACCOUNT = "assets:cash"
"""The fund's money at the bank and in hand (银行存款及库存现金)."""
INCOME_PREFIX = "income:"
EXPENSE_PREFIX = "expense:"
BANK_PREFIX = "bank:"
BANK_FEE_ACCOUNT = "bank:fee"
"""What the bank charges the fund (银行手续费): an expense outside the 6×3 matrix."""
BANK_INTEREST_ACCOUNT = "bank:interest"
"""What the bank pays the fund (利息收入): an income outside the four sources."""
BANK_ACCOUNT_NAMES_ZH = {BANK_FEE_ACCOUNT: "银行手续费", BANK_INTEREST_ACCOUNT: "利息收入"}


def income_account(source: str) -> str:
    """The income account of a source, e.g. `income:fiscal_support`."""
    return INCOME_PREFIX + IncomeSource(source).value


def expense_account(aspect: str, category: str) -> str:
    """The expense account of one cell of the 6×3 matrix, e.g. `expense:life_assistance:hardship`.

    Aspect and category are part of the account, so the hash chain protects the matrix.
    """
    return f"{EXPENSE_PREFIX}{Aspect(aspect).value}:{MemberCategory(category).value}"


def expense_cell(account: str) -> tuple[str, str]:
    """The (aspect, category) cell of the 6×3 matrix an expense account is."""
    aspect, _, category = account.removeprefix(EXPENSE_PREFIX).partition(":")
    return aspect, category


def chart_of_accounts() -> list[str]:
    """Every account a fund has: cash, four income accounts, eighteen expense accounts,
    and the bank's fee and interest."""
    return (
        [CASH_ACCOUNT]
        + [income_account(source) for source in IncomeSource]
        + [expense_account(aspect, category) for aspect in Aspect for category in MemberCategory]
        + list(BANK_ACCOUNT_NAMES_ZH)
    )


def account_name_zh(account: str) -> str:
    """The account's Chinese name, e.g. 支出-生活帮扶-生活困难党员."""
    if account == CASH_ACCOUNT:
        return "银行存款"
    if account in BANK_ACCOUNT_NAMES_ZH:
        return BANK_ACCOUNT_NAMES_ZH[account]
    if account.startswith(INCOME_PREFIX):
        return "收入-" + SOURCE_NAMES_ZH[IncomeSource(account.removeprefix(INCOME_PREFIX))]
    aspect, category = account.removeprefix(EXPENSE_PREFIX).split(":")
    return f"支出-{ASPECT_NAMES_ZH[Aspect(aspect)]}-{CATEGORY_NAMES_ZH[MemberCategory(category)]}"


@dataclass(frozen=True)
class Line:
    """One posting to be made: a debit or a credit on one account, with its 6×3 tags."""

    account: str
    debit_fen: int = 0
    credit_fen: int = 0
    recipient_id: int | None = None
    recipient: str | None = None
    """The member_no of `recipient_id` (what the hash covers, API.md: posting `recipient`)."""
    category: str | None = None
    aspect: str | None = None

    def negated(self) -> "Line":
        """The same line on the other side, for a red-ink reversal."""
        return Line(
            self.account,
            debit_fen=self.credit_fen,
            credit_fen=self.debit_fen,
            recipient_id=self.recipient_id,
            recipient=self.recipient,
            category=self.category,
            aspect=self.aspect,
        )
