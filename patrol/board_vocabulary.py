"""The words of the task board: which tasks it lists (its states), its orders and its assignee choices.

The board's states are TaskFilter's (patrol/tasks/filters.py): "open" is every open state,
"to_assign" the single status open (待分派).
"""

from patrol.i18n import lazy_gettext as _l
from patrol.vocabulary import TASK_FILTERS, TASK_STATUSES

BOARD_STATES = {
    "open": TASK_FILTERS["open"],
    "overdue": TASK_FILTERS["overdue"],
    "feedback_overdue": _l("Feedback overdue"),
    # Not the status's own word: in English that is "Open", as is every open state's chip.
    "to_assign": _l("To assign"),
    "assigned": TASK_STATUSES["assigned"],
    "in_progress": TASK_STATUSES["in_progress"],
    "fixed": TASK_STATUSES["fixed"],
    "closed": TASK_STATUSES["closed"],
    "cancelled": TASK_STATUSES["cancelled"],
    "all": TASK_FILTERS["all"],
}

BOARD_SORTS = {
    "due": _l("Soonest due first"),
    "newest": _l("Newest first"),
    "oldest": _l("Oldest first"),
    "closed": _l("Recently ended first"),
}

# The assignee filter's fixed choices; the people of the reader's sites follow them.
ASSIGNEE_CHOICES = {
    "me": _l("Assigned to me"),
    "none": _l("Not assigned"),
}
