"""Importing locations from CSV and Excel sheets: preview every row, then all rows or none; exporting them safely."""

import csv
import io
import zipfile
from urllib.parse import urlsplit

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from patrol.extensions import db
from patrol.models import AuditEvent, ChecklistAssignment, Location
from patrol.setup import location_admin
from patrol.setup.location_admin import fresh_short_codes
from patrol.setup.location_import import commit_import, preview_import

KINDS = ["floor", "renovation", "vacant_unit", "model_room", "common_area"]
pytestmark = pytest.mark.usefixtures("sheet_clock_stands_still")  # tests of rows, not of machine speed


@pytest.fixture
def import_site(make):
    """The site 花园 to import into, and two administrators: boss, who imports, and other."""
    site = make.site("花园")
    make.user("admin", username="boss", locale="en")
    make.user("admin", username="other", locale="en")
    return site


def _csv(rows, header=("building", "floor", "unit", "name", "kind", "checklist"), encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def _xlsx(rows, header=("building", "floor", "unit", "name", "kind", "checklist")) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fifty_rows():
    return [
        (
            f"{1 + n // 10}栋",
            n % 10 + 1,
            "",
            f"{1 + n // 10}栋 {n % 10 + 1}F",
            KINDS[n % 5],
            "巡楼检查" if n % 5 == 0 else "",
        )
        for n in range(50)
    ]


def _upload(browser, site, data: bytes, filename: str):
    return browser.post("/admin/locations/import", data={"site_id": str(site.id), "file": (io.BytesIO(data), filename)})


def _count(model=Location) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("build, filename", [(_csv, "locations.csv"), (_xlsx, "locations.xlsx")])
def test_fifty_rows_preview_then_import_with_kinds_and_checklists(browser, import_site, make, build, filename):
    version = make.checklist(name="巡楼检查")
    browser.login("boss")
    uploaded = _upload(browser, import_site, build(_fifty_rows()), filename)
    assert uploaded.status_code == 303
    preview = browser.get(uploaded.location).get_data(as_text=True)
    assert "50 rows for" in preview and "Import 50 locations" in preview and preview.count("Will be created") == 50
    assert f'<form method="post" action="{urlsplit(uploaded.location).path}"' in preview
    assert _count() == 0  # a preview saves nothing
    done = browser.post(uploaded.location)
    assert done.status_code == 303
    assert "50 locations were imported" in browser.get(done.location).get_data(as_text=True)
    locations = list(db.session.scalars(select(Location).order_by(Location.id)))
    assert len(locations) == 50 and {location.site_id for location in locations} == {import_site.id}
    assert [location.kind for location in locations] == [KINDS[n % 5] for n in range(50)]
    assert (locations[12].building, locations[12].floor, locations[12].name) == ("2栋", "3", "2栋 3F")
    assert len({location.qr_token for location in locations}) == 50
    assert len({location.short_code for location in locations}) == 50
    assigned = db.session.scalars(
        select(ChecklistAssignment.location_id).where(
            ChecklistAssignment.checklist_id == version.checklist_id, ChecklistAssignment.location_id.is_not(None)
        )
    )
    assert sorted(assigned) == [locations[n].id for n in range(0, 50, 5)]
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "locations.imported"))
    assert (event.details["count"], event.site_id, event.target_label) == (50, import_site.id, import_site.name)
    assert browser.post(uploaded.location).status_code == 404  # the upload is gone once imported


def test_a_sheet_with_bad_rows_commits_nothing_and_marks_each_row(browser, import_site, make):
    make.location(import_site, name="1栋 1F")
    browser.login("boss")
    data = _csv(
        [
            ("1栋", "1F", "", "1栋 1F", "floor", ""),  # row 2: exists on the site
            ("1栋", "2F", "", "", "floor", ""),  # row 3: no name
            ("1栋", "3F", "", "1栋 3F", "attic", ""),  # row 4: unknown kind
            ("1栋", "4F", "", "1栋 4F", "楼层", ""),  # row 5: fine
            ("1栋", "4F", "", "1栋 4F", "floor", ""),  # row 6: repeats row 5
            ("1栋", "5F", "", "1栋 5F", "floor", "没有这张表"),  # row 7: unknown checklist
            ("1栋" * 31, "6F", "", "1栋 6F", "floor", ""),
        ]
    )  # row 8: building too long
    uploaded = _upload(browser, import_site, data, "bad.csv")
    html = browser.get(uploaded.location).get_data(as_text=True)
    assert "6 rows have errors." in html and "fix the sheet and upload it again" in html
    commit_form = f'<form method="post" action="{urlsplit(uploaded.location).path}"'
    assert "Import 7 locations" not in html and commit_form not in html  # nothing to import from
    for row, message in [
        (2, "A location called “1栋 1F” already exists on this site."),
        (3, "The name is missing."),
        (4, "Unknown kind “attic”"),
        (6, "The same name is already on row 5 of this sheet."),
        (7, "No checklist is called “没有这张表”."),
        (8, "Building: at most 60 characters."),
    ]:
        assert f"<td>{row}</td>" in html
        cell = html.split(f"<td>{row}</td>", 1)[1].split("</tr>", 1)[0]
        assert message in cell, (row, message)
    # Posting the commit anyway (an old tab, a crafted request) still imports nothing.
    refused = browser.post(uploaded.location)
    assert refused.status_code == 422 and _count() == 1


def test_a_commit_checks_the_sheet_again(ctx, import_site, make):
    admin = make.user("admin")
    data = _csv([("", "", "", "大堂", "公共区域", "")])
    assert preview_import(import_site, data).value.ok
    make.location(import_site, name="大堂")  # someone added it in the meantime
    outcome = commit_import(admin, import_site, data)
    assert not outcome.ok and outcome.value.rows[0].errors
    assert _count() == 1 and _count(AuditEvent) == 0


def test_an_upload_belongs_to_the_admin_who_sent_it(browser, import_site):
    browser.login("boss")
    uploaded = _upload(browser, import_site, _csv([("", "", "", "大堂", "floor", "")]), "a.csv")
    browser.post("/logout")
    browser.login("other")
    assert browser.get(uploaded.location).status_code == 404
    assert browser.post(uploaded.location).status_code == 404 and _count() == 0


@pytest.mark.parametrize(
    "data, filename",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", "photo.csv"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "old.xls"),
    ],
)
def test_a_file_that_is_not_a_sheet_is_refused(browser, import_site, data, filename):
    browser.login("boss")
    response = _upload(browser, import_site, data, filename)
    assert response.status_code == 415
    assert "This file cannot be imported." in response.get_data(as_text=True)
    assert _count() == 0


def test_a_zip_that_is_not_a_workbook_is_refused(browser, import_site):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    browser.login("boss")
    response = _upload(browser, import_site, out.getvalue(), "locations.xlsx")
    assert response.status_code == 415
    assert "neither a CSV nor an Excel .xlsx sheet" in response.get_data(as_text=True)


def test_wrong_headers_say_what_is_missing_and_what_was_found(browser, import_site):
    browser.login("boss")
    response = _upload(browser, import_site, _csv([("1栋", "3F", "x")], header=("楼栋", "位置", "备注")), "x.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The sheet needs the columns name/名称, kind/类型. Its header row has: 楼栋, 位置, 备注." in html


def _big_xlsx(rows) -> bytes:
    book = Workbook(write_only=True)  # streams, as a big sheet from Excel would be read
    sheet = book.create_sheet()
    sheet.append(["building", "floor", "unit", "name", "kind", "checklist"])
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("build, filename", [(_csv, "big.csv"), (_big_xlsx, "big.xlsx")])
def test_more_than_five_thousand_rows_are_refused(browser, import_site, build, filename):
    # How fast: bench/sheet_import.py (tests assert no timings).
    data = build([("1栋", f"{n}F", "", f"点位 {n}", "floor", "") for n in range(10_001)])
    browser.login("boss")
    response = _upload(browser, import_site, data, filename)
    assert response.status_code == 422
    assert "At most 5,000 rows per import" in response.get_data(as_text=True) and _count() == 0


def test_formulas_are_kept_as_text_and_exported_quoted(browser, import_site):
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "kind", "unit"])
    sheet.append(['=HYPERLINK("http://evil.example/x","点我")', "floor", "+1"])
    sheet.append(["=cmd|' /C calc'!A0", "floor", "@SUM(A1)"])
    out = io.BytesIO()
    book.save(out)
    browser.login("boss")
    uploaded = _upload(browser, import_site, out.getvalue(), "formulas.xlsx")
    assert browser.post(uploaded.location).status_code == 303
    names = sorted(db.session.scalars(select(Location.name)))
    assert names == ['=HYPERLINK("http://evil.example/x","点我")', "=cmd|' /C calc'!A0"]
    exported = list(csv.reader(io.StringIO(browser.get("/admin/locations/export.csv").data.decode("utf-8-sig"))))
    cells = [cell for row in exported[1:] for cell in row]
    assert '\'=HYPERLINK("http://evil.example/x","点我")' in cells and "'=cmd|' /C calc'!A0" in cells
    assert "'+1" in cells and "'@SUM(A1)" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_a_gb18030_csv_with_chinese_headers_imports(browser, import_site, make):
    make.checklist(name="空置房巡查", kind="vacant_unit")
    data = _csv(
        [
            ("3栋", "7层", "702", "3栋 702", "空置房", "空置房巡查"),
            ("2栋", "12层", "1203", "2栋 1203 装修", "装修单元", ""),
        ],
        header=("楼栋", "楼层", "房号", "名称", "类型", "检查表"),
        encoding="gb18030",
    )
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    browser.login("boss")
    uploaded = _upload(browser, import_site, data, "点位.csv")
    assert "Import 2 locations" in browser.get(uploaded.location).get_data(as_text=True)
    assert browser.post(uploaded.location).status_code == 303
    vacant = db.session.scalar(select(Location).where(Location.name == "3栋 702"))
    assert (vacant.kind, vacant.building, vacant.floor, vacant.unit) == ("vacant_unit", "3栋", "7层", "702")
    assert db.session.scalar(select(ChecklistAssignment).where(ChecklistAssignment.location_id == vacant.id))


def test_an_export_imports_again_into_another_site(browser, import_site, make):
    tower = make.site("大厦")
    make.checklist(name="巡楼检查")
    browser.login("boss")
    original = _csv([("1栋", "-1F", "", "1栋 地下一层", "floor", "巡楼检查"), ("", "", "", "样板间A", "样板间", "")])
    assert browser.post(_upload(browser, import_site, original, "a.csv").location).status_code == 303
    exported = browser.get(f"/admin/locations/export.csv?site={import_site.id}").data
    uploaded = _upload(browser, tower, exported, "export.csv")
    assert browser.post(uploaded.location).status_code == 303
    copies = {loc.name: loc for loc in db.session.scalars(select(Location).where(Location.site_id == tower.id))}
    assert copies["1栋 地下一层"].floor == "-1F" and copies["样板间A"].kind == "model_room"
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(ChecklistAssignment)
            .where(ChecklistAssignment.location_id == copies["1栋 地下一层"].id)
        )
        == 1
    )
    assert len({loc.short_code for loc in db.session.scalars(select(Location))}) == 4


def test_new_codes_never_repeat_one_already_in_use(ctx, import_site, make, monkeypatch):
    existing = make.location(import_site)
    drawn = iter([existing.short_code, "AAAAAA", existing.short_code, "BBBBBB"])
    monkeypatch.setattr(location_admin, "new_short_code", lambda: next(drawn))
    assert sorted(fresh_short_codes(2)) == ["AAAAAA", "BBBBBB"]
