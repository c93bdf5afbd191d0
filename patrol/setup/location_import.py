"""Importing locations from a sheet (every row or none), exporting them, and keeping an upload until confirmed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Checklist, ChecklistAssignment, Location, Site, User
from patrol.models.location import new_qr_token
from patrol.outcome import Outcome, Refused
from patrol.setup.audit import record
from patrol.setup.location_admin import MAX_LENGTHS, active_names_on, fresh_short_codes
from patrol.setup.sheet_encoding import with_garbled_hint
from patrol.setup.sheets import Sheet, read_sheet, unquote, write_csv
from patrol.validation import whole_number
from patrol.vocabulary import LOCATION_KINDS

MAX_ROWS = 5000
COLUMNS = ("building", "floor", "unit", "name", "kind", "checklist")
REQUIRED_COLUMNS = ("name", "kind")
# Header names people write, in English, Simplified and Traditional Chinese (compared after _normal);
# the first two of each are the ones an error message suggests.
HEADER_ALIASES = {
    "building": ("building", "楼栋", "樓棟", "楼宇", "樓宇", "楼号", "樓號", "栋", "棟"),
    "floor": ("floor", "楼层", "樓層", "层", "層"),
    "unit": ("unit", "单元", "單元", "房号", "房號", "房间", "房間", "room"),
    "name": ("name", "名称", "名稱", "点位", "點位", "点位名称", "點位名稱"),
    "kind": ("kind", "类型", "類型", "type", "点位类型", "點位類型"),
    "checklist": ("checklist", "检查表", "檢查表"),
    "short_code": ("short code", "code", "编码", "編碼", "短码", "短碼"),
}
# The headers an export is written with, per language; all of them import again.
EXPORT_HEADERS = {
    "en": ("building", "floor", "unit", "name", "kind", "checklist", "short code"),
    "zh_Hans": ("楼栋", "楼层", "单元", "名称", "类型", "检查表", "编码"),
    "zh_Hant": ("樓棟", "樓層", "單元", "名稱", "類型", "檢查表", "編碼"),
}
KIND_NAMES = {
    "floor": ("Floor", "楼层", "樓層", "巡楼", "巡樓"),
    "renovation": ("Renovation unit", "装修单元", "裝修單元", "装修", "裝修"),
    "model_room": ("Model room", "样板间", "樣板間", "样板房", "樣板房"),
    "vacant_unit": ("Vacant unit", "空置房", "空置单元", "空置單元", "空置"),
    "common_area": ("Common area", "公共区域", "公共區域", "公区", "公區"),
}
COLUMN_LABELS = {
    "building": _l("Building"),
    "floor": _l("Floor"),
    "unit": _l("Unit"),
    "name": _l("Name"),
    "checklist": _l("Checklist"),
}


def _normal(text: str) -> str:
    return re.sub(r"[\s_*\-]+", "", text).casefold()


def _lookup(table: dict[str, tuple]) -> dict[str, str]:
    return {_normal(alias): key for key, aliases in table.items() for alias in (key, *aliases)}


HEADERS = _lookup(HEADER_ALIASES)


def kind_names() -> dict[str, str]:
    """What a sheet may call each kind: its key (`vacant_unit`), an English or a Chinese label."""
    return _lookup(KIND_NAMES) | {_normal(str(label)): key for key, label in LOCATION_KINDS.items()}


@dataclass
class ImportRow:
    number: int
    values: dict[str, str]
    kind: str | None = None
    checklists: list[Checklist] = field(default_factory=list)
    errors: list = field(default_factory=list)


@dataclass
class ImportPreview:
    site: Site
    rows: list[ImportRow]
    # The CSV's text may not be what its author typed: the preview warns (patrol.setup.sheet_encoding)
    doubtful_encoding: bool = False

    @property
    def rows_with_errors(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.rows_with_errors


def _columns(sheet: Sheet) -> dict[str, int]:
    """Which cell holds each known column; unknown columns are ignored, missing required ones refused."""
    found: dict[str, int] = {}
    for index, title in enumerate(sheet.header):
        key = HEADERS.get(_normal(title))
        if key is not None:
            found.setdefault(key, index)
    missing = [name for name in REQUIRED_COLUMNS if name not in found]
    if missing:
        raise Refused(
            _l(
                "The sheet needs the columns %(missing)s. Its header row has: %(found)s.",
                missing=", ".join("/".join(HEADER_ALIASES[name][:2]) for name in missing),
                found=", ".join(title for title in sheet.header if title),
            )
        )
    return found


def _cell(cells: list[str], index: int | None) -> str:
    return unquote(cells[index]) if index is not None and index < len(cells) else ""


def _checklists_by_name(names: set[str]) -> dict[str, list[Checklist]]:
    by_name: dict[str, list[Checklist]] = {}
    for checklist in db.session.scalars(select(Checklist).where(Checklist.name.in_(names))):
        by_name.setdefault(checklist.name, []).append(checklist)
    return by_name


def _split_names(text: str) -> list[str]:
    return [name.strip() for name in re.split(r"[;；]", text) if name.strip()]


def _check_row(row: ImportRow, checklists: dict[str, list[Checklist]], kinds: dict[str, str]) -> None:
    for name, label in COLUMN_LABELS.items():
        limit = MAX_LENGTHS.get(name, 120)  # a checklist's name is at most 120 characters too
        if len(row.values[name]) > limit:
            row.errors.append(_l("%(column)s: at most %(n)d characters.", column=label, n=limit))
    if not row.values["name"]:
        row.errors.append(_l("The name is missing."))
    row.kind = kinds.get(_normal(row.values["kind"]))
    if row.kind is None:
        known = ", ".join(str(label) for label in LOCATION_KINDS.values())
        row.errors.append(
            _l("Unknown kind “%(kind)s”: use one of %(kinds)s.", kind=row.values["kind"], kinds=known)
            if row.values["kind"]
            else _l("The kind is missing: use one of %(kinds)s.", kinds=known)
        )
    for name in _split_names(row.values.get("checklist", "")):
        found = checklists.get(name, [])
        if len(found) != 1:
            row.errors.append(
                _l("No checklist is called “%(name)s”.", name=name)
                if not found
                else _l("Several checklists are called “%(name)s”.", name=name)
            )
        else:
            row.checklists.append(found[0])


def check_upload(site_ids: set[int], raw_site_id: str, data: bytes) -> Outcome[ImportPreview]:
    """The preview of a freshly uploaded sheet for the chosen site, or what is wrong with the choice."""
    site_id = whole_number(raw_site_id)
    site = db.session.get(Site, site_id) if site_id in site_ids else None
    if site is None:
        return Outcome.fail({"site_id": _l("Choose the site these locations are on.")})
    if not data:
        return Outcome.fail({"file": _l("Choose a CSV or Excel file to upload.")})
    return preview_import(site, data)


def preview_import(site: Site, data: bytes) -> Outcome[ImportPreview]:
    """Every row of the sheet with what importing it would do, or the errors that prevent it."""
    try:
        sheet = read_sheet(data, max_rows=MAX_ROWS)
    except Refused as error:
        return Outcome.fail({"file": error.message}, error.status)
    try:
        columns = _columns(sheet)
    except Refused as error:
        # A header read as the wrong characters is missing its columns: say why it may be.
        message = with_garbled_hint(error.message) if sheet.doubtful_encoding else error.message
        return Outcome.fail({"file": message}, error.status)
    if site.archived:
        return Outcome.fail({"file": _l("This site is archived: restore it before adding locations.")}, 409)
    if not sheet.rows:
        return Outcome.fail({"file": _l("The sheet has a header row but no locations under it.")})
    rows = [
        ImportRow(number, {name: _cell(cells, columns.get(name)) for name in COLUMNS}) for number, cells in sheet.rows
    ]
    checklists = _checklists_by_name({name for row in rows for name in _split_names(row.values["checklist"])})
    taken, kinds = active_names_on(site.id), kind_names()
    first_seen: dict[str, int] = {}
    for row in rows:
        _check_row(row, checklists, kinds)
        name = row.values["name"]
        if name in taken:
            row.errors.append(_l("A location called “%(name)s” already exists on this site.", name=name))
        if name and name in first_seen:
            row.errors.append(_l("The same name is already on row %(n)d of this sheet.", n=first_seen[name]))
        first_seen.setdefault(name, row.number)
    return Outcome(ImportPreview(site=site, rows=rows, doubtful_encoding=sheet.doubtful_encoding))


def commit_import(actor: User, site: Site, data: bytes, filename: str = "") -> Outcome[ImportPreview]:
    """Create every row's location (and its checklist assignments) in one transaction, or none."""
    # Two imports into one site wait for each other, so neither misses the other's names.
    db.session.refresh(site, with_for_update=True)
    outcome = preview_import(site, data)
    if not outcome.ok or not outcome.value.ok:
        db.session.rollback()
        errors = outcome.errors or {"rows": _l("Nothing was imported: the rows marked below have errors.")}
        return Outcome(value=outcome.value, errors=errors, status=outcome.status)
    preview = outcome.value
    codes = fresh_short_codes(len(preview.rows))
    created = [
        Location(
            site=site,
            kind=row.kind,
            name=row.values["name"],
            building=row.values["building"],
            floor=row.values["floor"],
            unit=row.values["unit"],
            qr_token=new_qr_token(),
            short_code=code,
        )
        for row, code in zip(preview.rows, codes, strict=True)
    ]
    db.session.add_all(created)
    db.session.flush()
    for row, location in zip(preview.rows, created, strict=True):
        db.session.add_all(
            ChecklistAssignment(checklist=checklist, location_id=location.id) for checklist in row.checklists
        )
    record(
        actor,
        "locations.imported",
        site,
        label=site.name,
        site_id=site.id,
        count=len(created),
        filename=filename[:200] or None,
    )
    db.session.commit()
    return Outcome(preview)


def export_csv(locations: list[Location], language: str) -> bytes:
    """The import's columns plus the short code, in the reader's language; imports again as it is."""
    header = EXPORT_HEADERS.get(language, EXPORT_HEADERS["zh_Hans"])
    own = _own_checklists([location.id for location in locations])
    rows = (
        [
            location.building,
            location.floor,
            location.unit,
            location.name,
            _kind_word(location.kind, language),
            "; ".join(own.get(location.id, [])),
            location.short_code,
        ]
        for location in locations
    )
    return write_csv(list(header), rows)


def template_csv(language: str) -> bytes:
    """An empty sheet with the headers and two example rows, to fill in and import."""
    header = EXPORT_HEADERS.get(language, EXPORT_HEADERS["zh_Hans"])[:-1]
    examples = [
        ("1栋", "3F", "", "1栋 3F", _kind_word("floor", language), ""),
        ("2栋", "12F", "1203", "2栋 1203", _kind_word("renovation", language), ""),
    ]
    return write_csv(list(header), examples)


def _kind_word(kind: str, language: str) -> str:
    """How a sheet in this language names the kind: the key in English, the label in Chinese."""
    if language == "en" or kind not in KIND_NAMES:
        return kind
    return KIND_NAMES[kind][2 if language == "zh_Hant" else 1]


def _own_checklists(location_ids: list[int]) -> dict[int, list[str]]:
    """The checklists assigned to each of these locations by itself (not by kind)."""
    own: dict[int, list[str]] = {}
    for start in range(0, len(location_ids), 500):
        query = (
            select(ChecklistAssignment.location_id, Checklist.name)
            .join(Checklist)
            .where(ChecklistAssignment.location_id.in_(location_ids[start : start + 500]))
            .order_by(Checklist.name)
        )
        for location_id, name in db.session.execute(query):
            own.setdefault(location_id, []).append(name)
    return own
