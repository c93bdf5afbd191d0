"""Every kind of export, by the name a request and a stored export carry.

Adding a kind: write one module beside these (patrol/presenters/export_<name>.py) with an object that
has what patrol.exports.kinds.Kind asks (label, permission, formats, read_params, file_stem, tables),
add it here, and offer it on its page with the `export_offer` macro (templates/exports/_offer.html).
"""

from patrol.presenters.export_inspections import ANSWERS, FLAGS, INSPECTIONS
from patrol.presenters.export_rounds import COVERAGE, MISSED
from patrol.presenters.export_tasks import TASKS, TIMELINE

KINDS = {
    "tasks": TASKS,
    "task_timeline": TIMELINE,
    "coverage": COVERAGE,
    "missed": MISSED,
    "inspections": INSPECTIONS,
    "inspection_answers": ANSWERS,
    "presence_flags": FLAGS,
}
