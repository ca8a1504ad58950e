"""Recurring plans (定期发放计划): an RFC 5545 RRULE, a list of recipients, an amount.

Running a plan through a day submits one disbursement per recipient per due date up to that
day; the generated disbursements then go through the normal approval and payment. A
(plan, recipient, due date) is never generated twice, whatever is run again or at the same
time: runs of one plan queue on the plan's row, skip what exists, and the database's unique
constraint `disbursement_plan_due` stands behind them.

Recipients who are inactive when a run reaches a due date are skipped and reported. Nothing
records the skip, so if the member is made active again, the next run also generates the
due dates that were skipped (the clerk may cancel those that should not be paid).

`making` creates and changes plans, `runs` runs them, `views` reads them; this package's
face is all three.
"""

from carefund.plans.making import (
    PLAN_CHECKS,
    STATUS_CHANGES,
    change_plan,
    create_plan,
    end_plan,
    lock_plan,
    pause_plan,
    resume_plan,
)
from carefund.plans.runs import (
    PLAN_OCCURRENCES_MAX,
    PLAN_RUN_DISBURSEMENTS_MAX,
    PlanRun,
    active_plan_ids,
    run_all_plans,
    run_plan,
)
from carefund.plans.views import (
    PLAN_STATUSES,
    PlanRefs,
    get_plan,
    list_plans,
    plan_form,
    plan_public,
    plans_public,
)

__all__ = [
    "PLAN_CHECKS",
    "PLAN_OCCURRENCES_MAX",
    "PLAN_RUN_DISBURSEMENTS_MAX",
    "PLAN_STATUSES",
    "STATUS_CHANGES",
    "PlanRefs",
    "PlanRun",
    "active_plan_ids",
    "change_plan",
    "create_plan",
    "end_plan",
    "get_plan",
    "list_plans",
    "lock_plan",
    "pause_plan",
    "plan_form",
    "plan_public",
    "plans_public",
    "resume_plan",
    "run_all_plans",
    "run_plan",
]
