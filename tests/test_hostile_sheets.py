"""Hostile location sheets (zip bombs, forged sizes, giant rows and cells) are refused while being read.

Each file is built here, byte by byte where a real spreadsheet program would never write it, and
uploaded through the real import page. How fast each is refused is measured in
bench/sheet_import.py (which forges its files with the helpers below), not here: the time budget
is proved by a clock that jumps instead.
"""

import io
import itertools
import random
import re
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from patrol.extensions import db
from patrol.models import Location
from patrol.setup import sheets

HEADER = ("building", "floor", "unit", "name", "kind", "checklist")
ROWS = [
    ("1栋", "1F", "", "1栋 1F", "floor", ""),
    ("1栋", "2F", "", "1栋 2F", "floor", ""),
    ("", "", "", "大堂", "公共区域", ""),
]
SHEET = "xl/worksheets/sheet1.xml"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
# Each limit is what refuses its file, however busy the machine; the time-budget tests set clocks of their own.
pytestmark = pytest.mark.usefixtures("sheet_clock_stands_still")


@pytest.fixture
def site(make):
    return make.site("花园")


def _upload(browser, site, data: bytes, filename: str):
    # Encoded in memory: the test client would spool a body over 500 KB to a temporary file that
    # it never closes, which pytest (warnings are errors) reports as an unclosed file.
    boundary, body = encode_multipart({"site_id": str(site.id), "file": FileStorage(io.BytesIO(data), filename)})
    return browser.post("/admin/locations/import", body, content_type=f"multipart/form-data; boundary={boundary}")


def _refused(response, status: int, message: str) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == status, html
    assert "This file cannot be imported." in html and message in html
    assert db.session.scalar(select(func.count()).select_from(Location)) == 0


def _xlsx(rows=ROWS, header=HEADER) -> bytes:
    book = Workbook()
    book.active.append(list(header))
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(lines: list[str]) -> bytes:
    return "\r\n".join(lines).encode("utf-8")


def part_text(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode("utf-8")


def with_parts(data: bytes, parts: dict[str, str | bytes]) -> bytes:
    """The same .xlsx with these parts put in (replacing any of the same name), as a forger would."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in parts:
                target.writestr(info, source.read(info))
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()


def with_rows(data: bytes, rows: str = "", dimension: str | None = None) -> bytes:
    """The workbook with these <row>s after its own and, if given, its <dimension> forged."""
    xml = part_text(data, SHEET).replace("</sheetData>", rows + "</sheetData>")
    if dimension:
        xml = re.sub(r'<dimension ref="[^"]+"\s*/>', f'<dimension ref="{dimension}"/>', xml)
    return with_parts(data, {SHEET: xml})


def row_xml(number: int, cells: dict[str, str]) -> str:
    """One row as a forger writes it: text cells inline, in the given columns."""
    return (
        f'<row r="{number}">'
        + "".join(f'<c r="{column}{number}" t="inlineStr"><is><t>{text}</t></is></c>' for column, text in cells.items())
        + "</row>"
    )


def with_shared_strings(data: bytes, xml: str) -> bytes:
    """The workbook with a shared-strings part that openpyxl will read as it opens the file."""
    types = part_text(data, "[Content_Types].xml").replace(
        "</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/></Types>'
    )
    return with_parts(data, {"[Content_Types].xml": types, "xl/sharedStrings.xml": xml})


def shared_strings(body: str, prolog: str = "") -> str:
    return f'{prolog}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{body}</sst>'


def billion_laughs() -> str:
    """Shared strings holding one entity that expands to a billion characters."""
    entities = "".join(f'<!ENTITY e{n + 1} "{f"&e{n};" * 10}">' for n in range(9))
    return shared_strings("<si><t>&e9;</t></si>", f'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY e0 "a">{entities}]>')


def test_a_forged_dimension_and_a_cell_at_xfd1048576_are_refused(browser, admin, site):
    data = with_rows(_xlsx(), row_xml(1048576, {"XFD": "x"}), dimension="A1:XFD1048576")
    response = _upload(browser, site, data, "forged.xlsx")
    _refused(response, 422, "The sheet has more than 1,000 empty rows. Delete them and upload it again.")


def test_a_forged_dimension_alone_reads_only_the_real_cells(browser, admin, site, monkeypatch):
    read, cell_text = [], sheets.cell_text
    monkeypatch.setattr(sheets, "cell_text", lambda value: read.append(value) or cell_text(value))
    uploaded = _upload(browser, site, with_rows(_xlsx(), dimension="A1:XFD1048576"), "forged.xlsx")
    assert uploaded.status_code == 303
    assert "Import 3 locations" in browser.get(uploaded.location).get_data(as_text=True)
    # Twice (upload and preview) four rows of 31 cells, not of 16,384 as the forged dimension claims.
    assert len(read) == 2 * 4 * (sheets.MAX_COLUMNS + 1)


def test_a_shared_strings_bomb_is_refused_before_it_is_unpacked(browser, admin, site):
    bomb = shared_strings("<si><t>" + "A" * (2 * sheets.MAX_PART_BYTES) + "</t></si>")
    data = with_shared_strings(_xlsx(), bomb)
    assert len(data) < 100_000
    _refused(_upload(browser, site, data, "bomb.xlsx"), 413, "This Excel file unpacks to far more than")


def test_entities_that_expand_a_billion_times_are_refused(browser, admin, site):
    response = _upload(browser, site, with_shared_strings(_xlsx(), billion_laughs()), "laughs.xlsx")
    _refused(response, 422, "This Excel file could not be read.")


@pytest.mark.parametrize(
    "limits",
    [
        {"MAX_PARTS": 8},
        {"MAX_UNPACKED_BYTES": 10_000},
        {"MAX_PART_BYTES": 5_000},
        {"MAX_RATIO": 5, "RATIO_FROM_BYTES": 5_000},
    ],
)
def test_each_zip_limit_is_checked_before_openpyxl_opens_the_file(browser, admin, site, monkeypatch, limits):
    # An ordinary workbook: 9 parts, 17 kB unpacked; its theme is 10 kB, compressed 6.5 times.
    for name, value in limits.items():
        monkeypatch.setattr(sheets, name, value)
    monkeypatch.setattr("openpyxl.load_workbook", _never)
    _refused(_upload(browser, site, _xlsx(), "locations.xlsx"), 413, "This Excel file unpacks to far more than")


def _never(*args, **kwargs):
    raise AssertionError("reached a step that should never have started")


def test_ten_thousand_columns_are_refused(browser, admin, site):
    data = _xlsx(rows=[], header=[f"c{n}" for n in range(10_000)])
    _refused(
        _upload(browser, site, data, "wide.xlsx"),
        422,
        "Row 1 has something beyond column 30: a sheet of locations has at most 30 columns.",
    )


def test_ten_thousand_columns_in_a_csv_are_refused(browser, admin, site):
    data = _csv([",".join(HEADER), ",".join(["x"] * 10_000)])
    _refused(
        _upload(browser, site, data, "wide.csv"),
        422,
        "Row 2 has something beyond column 30: a sheet of locations has at most 30 columns.",
    )


def test_empty_columns_after_the_last_one_are_ignored(browser, admin, site):
    data = _csv([",".join(HEADER) + "," * 40] + [",".join(row) + "," * 40 for row in ROWS])
    uploaded = _upload(browser, site, data, "trailing.csv")
    assert "Import 3 locations" in browser.get(uploaded.location).get_data(as_text=True)


def test_a_huge_cell_is_refused(browser, admin, site):
    # Written into the XML: openpyxl itself would cut a cell to Excel's 32,767 characters.
    data = with_rows(_xlsx(), row_xml(5, {"D": "巡" * 100_000, "E": "floor"}))
    _refused(
        _upload(browser, site, data, "huge.xlsx"),
        422,
        "Row 5 has a cell longer than 500 characters, which is not a location.",
    )


def test_a_long_cell_in_a_csv_is_refused(browser, admin, site):
    data = _csv([",".join(HEADER)] + [",".join(row) for row in ROWS] + ["1栋,3F,,1栋 3F,floor," + "巡" * 5_000])
    _refused(
        _upload(browser, site, data, "long.csv"),
        422,
        "Row 5 has a cell longer than 500 characters, which is not a location.",
    )


def test_too_many_rows_are_refused(browser, admin, site):
    data = with_rows(_xlsx(rows=[]), "".join(row_xml(n, {"D": f"点位 {n}", "E": "floor"}) for n in range(2, 20_002)))
    _refused(_upload(browser, site, data, "long.xlsx"), 422, "At most 5,000 rows per import")


def test_a_csv_with_a_ten_megabyte_line_is_refused(browser, admin, site):
    data = _csv([",".join(HEADER), "1栋,1F,," + "x" * 10_000_000 + ",floor,"])
    _refused(
        _upload(browser, site, data, "long-line.csv"),
        422,
        "Row 2 of the CSV file is far longer than a row of locations can be.",
    )


def test_a_csv_row_spread_over_many_quoted_lines_is_refused(browser, admin, site):
    data = _csv([",".join(HEADER), '1栋,1F,,"' + "\n".join(["x" * 100] * 1_000) + '",floor,'])
    _refused(_upload(browser, site, data, "quoted.csv"), 422, "Row 2 of the CSV file is far longer than")


def test_a_million_empty_lines_are_refused(browser, admin, site):
    data = _csv([",".join(HEADER), *["," * 5] * 1_000_000, ",,,大堂,floor,"])
    _refused(_upload(browser, site, data, "empty.csv"), 422, "The sheet has more than 1,000 empty rows.")


NOISE = random.Random(7).randbytes(64 * 1024)


@pytest.mark.parametrize(
    "data",
    [
        NOISE,  # binary noise
        b"\x89PNG\r\n\x1a\n" + NOISE,  # a photo
        b"PK\x03\x04" + NOISE,  # a zip's opening and nothing after it
    ],
)
def test_a_file_that_is_no_zip_named_xlsx_is_refused(browser, admin, site, data):
    _refused(_upload(browser, site, data, "locations.xlsx"), 415, "neither a CSV nor an Excel .xlsx sheet")


def test_a_truncated_workbook_is_refused(browser, admin, site):
    data = _xlsx()
    _refused(_upload(browser, site, data[: len(data) // 2], "cut.xlsx"), 415, "neither a CSV nor an Excel .xlsx sheet")


@pytest.mark.parametrize(
    "data, filename",
    [(_xlsx(), "locations.xlsx"), (_csv([",".join(HEADER)] + [",".join(r) for r in ROWS]), "locations.csv")],
)
def test_a_read_over_the_time_budget_is_refused(browser, admin, site, monkeypatch, data, filename):
    ticks = itertools.count()
    monkeypatch.setattr(sheets, "_clock", lambda: float(next(ticks)))  # every look at the clock: a second later
    _refused(
        _upload(browser, site, data, filename),
        422,
        "Reading this file took more than 2 seconds, far longer than a sheet of locations needs.",
    )


def test_the_time_budget_also_runs_while_openpyxl_opens_the_file(ctx, monkeypatch):
    ticks = itertools.count()
    monkeypatch.setattr(sheets, "_clock", lambda: float(next(ticks)))
    monkeypatch.setattr(sheets, "_xlsx_records", _never)  # refused before a single row is read
    with pytest.raises(sheets.Refused, match="took more than 2 seconds"):
        sheets.read_sheet(_xlsx(), max_rows=10)


def test_sheets_read_within_the_budget_import(browser, admin, site, monkeypatch):
    ticks = itertools.count()
    # Every look at the clock 10 ms later: an ordinary sheet looks far fewer than 200 times.
    monkeypatch.setattr(sheets, "_clock", lambda: next(ticks) / 100)
    for data, filename in [(_xlsx(), "a.xlsx"), (_csv([",".join(HEADER)] + [",".join(r) for r in ROWS]), "a.csv")]:
        uploaded = _upload(browser, site, data, filename)
        assert "Import 3 locations" in browser.get(uploaded.location).get_data(as_text=True)
