"""A room's register from a sheet (CSV or .xlsx): every row or none.

The first import starts the register; onto a register that exists, a sheet may only add lines — an
item already on it is changed on the register page, where a quantity needs its reason and approver.
Sheets are read by patrol.setup.sheets, as a sheet of locations is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.modelrooms.register import (
    LineInput,
    current_version,
    event_by_client_id,
    lines_of,
    next_version,
    start_register,
)
from patrol.modelrooms.register_changes import Change, apply_change, new_event, regroup
from patrol.modelrooms.register_lines import read_line
from patrol.models import Asset, Location, RegisterEvent, RegisterLine, RegisterVersion
from patrol.outcome import Outcome, Refused
from patrol.setup.sheet_encoding import with_garbled_hint
from patrol.setup.sheets import read_sheet, unquote

MAX_ROWS = 500
REQUIRED = ("zone", "name", "expected")
# Header names people write (compared after _normal); the first two of each are the ones an error suggests.
HEADER_ALIASES = {
    "zone": ("区域", "zone", "區域", "area", "房间", "房間", "位置"),
    "name": ("物品", "item", "名称", "名稱", "物品名称", "物品名稱", "资产", "資產", "name"),
    "expected": ("数量", "quantity", "數量", "应有", "應有", "应有数量", "應有數量", "expected", "qty"),
    "unit": ("单位", "unit", "單位"),
    "unit_value": ("单价", "value", "單價", "单价元", "單價元", "价值", "價值", "unitvalue", "price"),
}


def _normal(text: str) -> str:
    return re.sub(r"[\s_*\-()（）]+", "", text).casefold()


HEADERS = {_normal(alias): key for key, aliases in HEADER_ALIASES.items() for alias in aliases}


@dataclass
class SheetRow:
    number: int
    values: dict[str, str]
    line: LineInput | None = None
    errors: list = field(default_factory=list)


@dataclass
class SheetImport:
    rows: list[SheetRow]
    started: bool  # True: this import started the register; False: it added lines to it

    @property
    def rows_with_errors(self) -> list[SheetRow]:
        return [row for row in self.rows if row.errors]


def import_register(location: Location, data: bytes, change: Change) -> Outcome[SheetImport]:
    """Import the sheet's lines, all or none. Fails with {"file": …} when the file itself is wrong, and with
    {"rows": …} (the value holding every row with its errors) when some rows are."""
    if not data:
        return Outcome.fail({"file": _l("Choose a CSV or Excel file to upload.")})
    try:
        sheet = read_sheet(data, max_rows=MAX_ROWS)
    except Refused as error:
        return Outcome.fail({"file": error.message}, error.status)
    try:
        columns = _columns(sheet.header)
    except Refused as error:
        # A header read as the wrong characters is missing its columns: say why it may be.
        message = with_garbled_hint(error.message) if sheet.doubtful_encoding else error.message
        return Outcome.fail({"file": message}, error.status)
    if not sheet.rows:
        return Outcome.fail({"file": _l("The sheet has a header row but no items under it.")})
    if event_by_client_id(change.client_id) is not None:  # sent twice: answered as the first time
        done = apply_change(location, change, None)
        rows = checked_rows(sheet.rows, columns, [])
        return Outcome(SheetImport(rows, started=False)) if done.ok else Outcome.fail(done.errors, done.status)
    current = current_version(location.id)
    rows = checked_rows(sheet.rows, columns, lines_of(current.id) if current else [])
    result = SheetImport(rows, started=current is None)
    if result.rows_with_errors:
        return Outcome(result, errors={"rows": _l("Some rows cannot be imported.")})
    done = apply_change(location, change, lambda current: _import(location, rows, change, current))
    return Outcome(result) if done.ok else Outcome.fail(done.errors, done.status)


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        key = HEADERS.get(_normal(title))
        if key is not None:
            found.setdefault(key, index)
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise Refused(
            _l(
                "The sheet needs the columns %(missing)s. Its header row has: %(found)s.",
                missing=", ".join("/".join(HEADER_ALIASES[name][:2]) for name in missing),
                found=", ".join(title for title in header if title),
            )
        )
    return found


def checked_rows(sheet_rows, columns: dict[str, int], existing: list[RegisterLine]) -> list[SheetRow]:
    on_register = {(line.zone, line.name) for line in existing}
    first_seen: dict[tuple[str, str], int] = {}
    rows = []
    for number, cells in sheet_rows:
        values = {key: unquote(cells[index]) if index < len(cells) else "" for key, index in columns.items()}
        row = SheetRow(number, values)
        fields, errors = read_line(values, with_quantity=True)
        row.errors.extend(errors.values())
        key = (fields["zone"], fields["name"])
        if key in on_register:
            row.errors.append(
                _l("Already on the register: a sheet only adds new items. Change this one on the register page.")
            )
        elif key in first_seen:
            row.errors.append(_l("The same item in the same zone is already on row %(n)d.", n=first_seen[key]))
        first_seen.setdefault(key, number)
        if not row.errors:
            row.line = LineInput(**fields)
        rows.append(row)
    return rows


def _import(location: Location, rows: list[SheetRow], change: Change, current: RegisterVersion | None) -> RegisterEvent:
    lines = [row.line for row in rows]
    if current is None:
        version = start_register(location, lines, change.actor, kind="imported", client_id=change.client_id)
        db.session.flush()
        return db.session.query(RegisterEvent).filter_by(version_id=version.id).one()
    version = next_version(location, change.actor)
    position = max((line.position for line in lines_of(version.id)), default=0)
    events = []
    for offset, given in enumerate(lines, start=1):
        asset = Asset(location_id=location.id)
        db.session.add(asset)
        db.session.flush()
        fields = {name: getattr(given, name) for name in ("zone", "name", "unit", "expected", "unit_value")}
        db.session.add(RegisterLine(version=version, asset_id=asset.id, position=position + offset, **fields))
        events.append(new_event(location, version, change, "added", asset.id, after=given.expected))
        events[-1].client_id = None
    regroup(version)
    events[0].client_id = change.client_id  # the form's id marks the import once, on its first line
    return events[0]
