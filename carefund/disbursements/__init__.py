"""Disbursements: money out to one recipient, submitted → approved → paid, with separated duties.

Rejected, cancelled and reversed are the other ends. Only paying and reversing post entries;
approving reserves the amount from the fund's available balance. `steps` writes, `views`
reads; this package's face is both.
"""

from carefund.disbursements.steps import (
    PAY_CHECKS,
    REASON_CHECKS,
    REVERSE_CHECKS,
    STEP_FIELDS,
    STEPS,
    SUBMIT_CHECKS,
    approve_disbursement,
    cancel_disbursement,
    pay_disbursement,
    reject_disbursement,
    reverse_disbursement,
    submit_disbursement,
    take_step,
)
from carefund.disbursements.views import (
    QUEUES,
    RECIPIENT_MATCHES_MAX,
    DisbursementRefs,
    SubmitForm,
    count_by_status,
    disbursement_public,
    disbursement_row,
    disbursements_public,
    get_disbursement,
    list_disbursements,
    queue,
    submit_form,
)

__all__ = [
    "PAY_CHECKS",
    "QUEUES",
    "REASON_CHECKS",
    "RECIPIENT_MATCHES_MAX",
    "REVERSE_CHECKS",
    "STEPS",
    "STEP_FIELDS",
    "SUBMIT_CHECKS",
    "DisbursementRefs",
    "SubmitForm",
    "approve_disbursement",
    "cancel_disbursement",
    "count_by_status",
    "disbursement_public",
    "disbursement_row",
    "disbursements_public",
    "get_disbursement",
    "list_disbursements",
    "pay_disbursement",
    "queue",
    "reject_disbursement",
    "reverse_disbursement",
    "submit_disbursement",
    "submit_form",
    "take_step",
]
