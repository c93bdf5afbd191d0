"""The fixed words of the domain — roles, location kinds, item types, severities — with their labels."""

from patrol.i18n import lazy_gettext as _l
from patrol.i18n import lazy_pgettext

ROLES = {
    "butler": _l("Butler"),
    "steward": _l("Model-room steward"),
    # Night security (夜间安保): takes a model room over at closing and hands it back at opening.
    "guard": _l("Night security"),
    "supervisor": _l("Supervisor"),
    "admin": _l("Administrator"),
}

LOCATION_KINDS = {
    "floor": _l("Floor"),
    "renovation": _l("Renovation unit"),
    "model_room": _l("Model room"),
    "vacant_unit": _l("Vacant unit"),
    "common_area": _l("Common area"),
}

# How often a schedule's rounds fall due (patrol.models.schedule.RECURRENCES).
RECURRENCES = {
    "hourly": _l("Every few hours"),
    "daily": _l("Daily"),
    "weekly": _l("Weekly"),
}

ITEM_TYPES = {
    "passfail": _l("Pass / fail"),
    "rating": _l("Rating 1–5"),
    "count": _l("Count"),
    "number": _l("Reading"),
    "choice": _l("Single choice"),
    "text": _l("Free text"),
    # A model room's count: the lines of its asset register (patrol.modelrooms), zone by zone.
    "inventory": _l("Asset count (from the room's register)"),
}

SEVERITIES = {
    "low": _l("Low"),
    "medium": _l("Medium"),
    "high": _l("High"),
}

TASK_STATUSES = {
    # "Open" alone is ambiguous in Chinese (打开 vs 待处理): the context tells translators.
    "open": lazy_pgettext("task status", "Open"),
    "assigned": _l("Assigned"),
    "in_progress": _l("Being fixed"),
    "fixed": _l("Awaiting re-check"),
    "closed": _l("Closed"),
    "cancelled": _l("Cancelled"),
}

# What became of an expected visit (a round at a location: patrol.models.rounds).
VISIT_STATUSES = {
    "pending": _l("To do"),
    "on_time": _l("On time"),
    "late": _l("Late"),
    "missed": _l("Missed"),
    "made_up": _l("Made up"),
    "excused": _l("Excused"),
    "cancelled": _l("Cancelled"),
}

# Why a round no longer expected was cancelled (patrol.rounds.planning).
CANCEL_REASONS = {
    "schedule_changed": _l("The schedule was changed"),
    "schedule_stopped": _l("The schedule was stopped"),
    "location_deactivated": _l("The location was taken out of use"),
    "location_changed": _l("The location was changed"),
    "site_archived": _l("The site was archived"),
    "site_changed": _l("The site's time zone was changed"),
}

TASK_EVENT_KINDS = {
    "created": _l("Raised from inspection"),
    "reported": _l("Reported on the spot"),
    "seen_again": _l("Seen again"),
    "acknowledged": _l("Acknowledged"),
    "assigned": _l("Assigned"),
    "due_changed": _l("Due time changed"),
    "severity_changed": _l("Severity changed"),
    "started": _l("Fix started"),
    "fixed": _l("Fix submitted"),
    "recheck_passed": _l("Re-check passed"),
    "recheck_failed": _l("Re-check failed"),
    "cancelled": _l("Cancelled"),
    "comment": _l("Comment"),
    "notice_issued": _l("Rectification notice issued"),
    "case_closed": _l("Closed with its loss case"),
}

# Whom a rectification notice is addressed to (致：…): models.notice.ADDRESSEES.
NOTICE_ADDRESSEES = {
    "owner": _l("Owner / resident"),
    "contractor": _l("Contractor"),
}

# What a task page's buttons say.
TASK_ACTIONS = {
    "acknowledge": _l("Acknowledge"),
    "assign": _l("Assign"),
    "change_due": _l("Change due time"),
    "change_severity": _l("Change severity"),
    "start": _l("Start fixing"),
    "submit_fix": _l("Submit fix"),
    "recheck_pass": _l("Re-check: passed"),
    "recheck_fail": _l("Re-check: not passed"),
    "cancel": _l("Cancel task"),
    "close_case": _l("Close with its loss case"),
    "comment": _l("Comment"),
}

# A model room's loss case (patrol.modelrooms.cases): what it is about, how it closed, and its record.
CASE_KINDS = {"missing": _l("Missing"), "damaged": _l("Damaged")}
CASE_STATUSES = {"open": lazy_pgettext("loss case", "Open"), "closed": lazy_pgettext("loss case", "Closed")}
CASE_OUTCOMES = {"found": _l("Found"), "damaged": _l("Found damaged"), "written_off": _l("Written off")}
CASE_CAUSES = {"human": _l("Caused by a person"), "non_human": _l("Not caused by a person")}
# What a custodian signed inside a case's interval (patrol.modelrooms.custody).
CUSTODY_SIGNATURES = {
    "count": _l("Signed a count"),
    "handed_over": _l("Handed the room over"),
    "took_over": _l("Took the room over"),
}

# What a report (随手拍) may be about: optional, for sorting them out later.
REPORT_CATEGORIES = {
    "safety": _l("Fire and safety"),
    "cleaning": _l("Cleaning"),
    "repair": _l("Repair"),
    "renovation": _l("Renovation"),
    "security": _l("Security"),
    "other": _l("Other"),
}

TASK_FILTERS = {
    "open": lazy_pgettext("task filter", "Open"),
    "overdue": _l("Overdue"),
    "closed": _l("Closed"),
    "all": _l("All"),
}

PASSFAIL_VALUES = {
    "pass": _l("Pass"),
    "fail": _l("Fail"),
    "na": _l("N/A"),
}

# What the audit log calls each kind of setup change.
AUDIT_ACTIONS = {
    "site.created": _l("Site created"),
    "site.updated": _l("Site changed"),
    "site.archived": _l("Site archived"),
    "site.restored": _l("Site restored"),
    "site.deductions_changed": _l("Deduction rules changed"),
    "robot.created": _l("Group robot added"),
    "robot.deactivated": _l("Group robot turned off"),
    "robot.reactivated": _l("Group robot turned on"),
    "robot.deleted": _l("Group robot removed"),
    "location.created": _l("Location created"),
    "location.updated": _l("Location changed"),
    "location.moved": _l("Location moved"),
    "location.deactivated": _l("Location deactivated"),
    "location.reactivated": _l("Location reactivated"),
    "locations.imported": _l("Locations imported"),
    "qr.reissued": _l("QR code re-issued"),
    "checklist.created": _l("Checklist created"),
    "checklist.copied": _l("Checklist copied"),
    "checklist.published": _l("Checklist published"),
    "checklist.renamed": _l("Checklist renamed"),
    "checklist.minimum_changed": _l("Shortest visit changed"),
    "checklist.draft_discarded": _l("Checklist draft discarded"),
    "checklist.assigned": _l("Checklist assigned"),
    "checklist.unassigned": _l("Checklist assignment removed"),
    "schedule.created": _l("Schedule created"),
    "schedule.updated": _l("Schedule changed"),
    "schedule.deactivated": _l("Schedule stopped"),
    "schedule.reactivated": _l("Schedule restarted"),
    "user.created": _l("Person added"),
    "user.updated": _l("Person changed"),
    "user.role_changed": _l("Role changed"),
    "user.sites_changed": _l("Sites changed"),
    "user.password_reset": _l("Password reset"),
    "user.pin_set": _l("Handover PIN chosen"),
    "user.pin_reset": _l("Handover PIN reset"),
    "user.deactivated": _l("Person deactivated"),
    "user.reactivated": _l("Person reactivated"),
}

# Staff scores (考核): the kinds of lapse (patrol.models.deduction.LAPSE_KINDS), as the table heads them.
LAPSES = {
    "missed_visit": _l("Missed round"),
    "late_visit": _l("Late round"),
    "late_response": _l("First response late"),
    "closed_late": _l("Task closed late"),
    "recheck_failed": _l("Re-check not passed"),
}

# A site's deduction rules, as the form and the audit log name them.
DEDUCTION_FIELDS = {
    "missed_visit": _l("Points per missed round"),
    "late_visit": _l("Points per late round"),
    "late_response": _l("Points per late first response"),
    "closed_late": _l("Points per task closed late"),
    "recheck_failed": _l("Points per re-check not passed"),
}

# What each lapse is and to whom it counts, in a sentence (the rules form says it under each field).
LAPSE_HINTS = {
    "missed_visit": _l(
        "A round not done by the end of its grace and not excused. Counts to the person it was given to."
    ),
    "late_visit": _l("A round done after its window, or made up later. Counts to whoever did it."),
    "late_response": _l(
        "A finding nobody acknowledged or assigned within the site's first-response time. "
        "Counts to the task's assignee."
    ),
    "closed_late": _l("A task closed after its due time. Counts to its assignee."),
    "recheck_failed": _l("A fix that did not pass its re-check. Counts to the person it went back to."),
}
