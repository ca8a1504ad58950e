"""Early warning (廉情预警): rules that watch the books and raise graded alerts.

`registry` says what a rule is; the `rules_*` modules hold the rules (importing this
package registers them); `watch` evaluates them when something is written, `scan` over
everything; `views` is what auditors read and do; `settings` what admins tune;
`districts` the cross-district duplicate check.
"""

from carefund.alerts import rules_books, rules_duties, rules_integrity, rules_money, rules_people
from carefund.alerts.registry import GRADE_NAMES_ZH, RULES, Grade, Touched, Trigger
from carefund.alerts.scan import ScanResult, scan
from carefund.alerts.settings import read_rules, set_rule
from carefund.alerts.views import (
    STATUS_NAMES_ZH,
    AlertStatus,
    acknowledge_alert,
    alert_history,
    list_alerts,
    open_counts,
    read_alert,
    resolve_alert,
)
from carefund.alerts.watch import pause_watch, watch

__all__ = [
    "GRADE_NAMES_ZH",
    "RULES",
    "STATUS_NAMES_ZH",
    "AlertStatus",
    "Grade",
    "ScanResult",
    "Touched",
    "Trigger",
    "acknowledge_alert",
    "alert_history",
    "list_alerts",
    "open_counts",
    "read_alert",
    "read_rules",
    "resolve_alert",
    "rules_books",
    "rules_duties",
    "rules_integrity",
    "rules_money",
    "rules_people",
    "scan",
    "set_rule",
    "watch",
    "pause_watch",
]
