"""Every input limit, named once: the domain checks them, and the API's schemas and the
pages' forms import them, so that the three always agree (STYLE: put a limit on
everything, as named constants).
"""

ID_MAX = 2**31 - 1
"""The largest record id (a 32-bit INTEGER column on PostgreSQL)."""

TEXT_LENGTH_MAX = 2_000
"""The longest free text (memo, reason) accepted."""
NAME_LENGTH_MAX = 200
"""A fund's, a plan's or an organisation's name, a payer, a purpose, a branch."""
METHOD_LENGTH_MAX = 32
"""How money was received or paid (转账, 现金, 救助卡)."""

FUND_CODE_LENGTH_MAX = 32
"""A fund's code, as the `fund.code` column holds."""

MEMBER_NO_LENGTH_MAX = 32
"""A recipient's member number (党员编号)."""
PERSON_NAME_LENGTH_MAX = 64
"""A recipient's name."""
ID_NUMBER_LENGTH_MAX = 18
"""A resident ID number (18 characters)."""
PHONE_LENGTH_MAX = 20
"""A phone number, with its separators."""
ADDRESS_LENGTH_MAX = 300
"""A recipient's address."""
SEARCH_LENGTH_MAX = 100
"""The longest search text for the recipient roll."""
MEMBER_NO_LIST_MAX = 5_000
"""Member numbers one pasted list (a plan's roll) may hold."""

PLAN_RULE_LENGTH_MAX = 500
"""The longest RRULE body accepted (the column's width)."""
PLAN_RECIPIENTS_MAX = 5_000
"""Recipients one plan may pay (a district has under 2,000 members in need)."""

DISPLAY_NAME_LENGTH_MAX = 64
"""A user's display name, printed on documents as 经办人, 审批人 and 生成人."""

RECEIPT_NO_LENGTH_MAX = 48
"""A receipt number (`HC-CARE-2026-000001`), as the `income.receipt_no` column holds."""
MEETING_NO_LENGTH_MAX = 64
"""The minutes number of the meeting that decided a large disbursement (三重一大)."""
ALERT_NOTE_LENGTH_MAX = 2_000
"""An auditor's note on acknowledging or resolving an alert."""
ALERT_PARAM_LENGTH_MAX = 32
"""A rule parameter as text (an amount, a count, `08:30`, `1-5`)."""
DISTRICT_HASHES_BYTES_MAX = 64 * 1024 * 1024
"""The largest district hash list `import-hashes` reads (a city's district has a few
thousand recipients: some hundred KB)."""
ACCOUNT_NO_LENGTH_MAX = 32
"""A bank card, relief-card or passbook (一折通) number, spaces removed."""
BANK_NAME_LENGTH_MAX = 64
"""A bank's name (中国农业银行某支行)."""
BANK_REFERENCE_LENGTH_MAX = 64
"""A reference a bank gives or takes back (流水号, 摘要里的批次号)."""
BATCH_ITEMS_MAX = 5_000
"""Disbursements one batch may hold (a plan's roll at most)."""
BANK_LINES_MAX = 20_000
"""Lines one bank return file or statement may hold."""
MATCH_WINDOW_DAYS_MAX = 31
"""The widest date window the automatic matching of a statement accepts."""
