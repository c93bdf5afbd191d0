"""Reading an uploaded CSV or XLSX sheet into rows of text, and writing CSV that Excel opens safely.

Cells are only ever read as text: a formula is kept as the characters it was typed with,
never evaluated, and on the way out a value that a spreadsheet would run as a formula is
quoted so it stays text.

An upload may be hostile, so reading is bounded while it happens, not checked afterwards: an
.xlsx is inspected as a zip before openpyxl opens it, rows and columns are read only up to one
past their limits, every cell and CSV row has a length cap, and the whole read has a time budget.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from time import monotonic

from patrol.i18n import lazy_gettext as _l
from patrol.outcome import Refused
from patrol.setup.sheet_encoding import decode_csv

# Beyond this an upload is not a sheet of locations but a mistake (or an attack).
MAX_SHEET_BYTES = 10 * 1024 * 1024
# A list of locations needs a handful of columns; past this many something else was uploaded.
MAX_COLUMNS = 30
# The longest field of a location is 120 characters; a cell longer than this is not a location.
MAX_CELL_CHARS = 500
# Empty rows are skipped, but only so many: a lone cell at A1048576 would otherwise have the
# reader walk a million empty rows.
MAX_BLANK_ROWS = 1000
# A CSV row may spread over several lines inside quotes; this bounds it whatever its shape
# (every allowed cell fully quoted, with all its quotes doubled).
MAX_CSV_ROW_CHARS = (MAX_COLUMNS + 1) * (2 * MAX_CELL_CHARS + 3)
# An ordinary 5,000-row sheet reads in under a second; a file that takes longer is refused, long before
# gunicorn's 30-second worker timeout.
READ_SECONDS = 2.0
# What an .xlsx (a zip) may unpack to. Excel's file for 5,000 locations unpacks to about 3 MB in
# a dozen parts, each compressed 5-20 times; a zip bomb compresses 1,000 times.
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
MAX_PART_BYTES = 16 * 1024 * 1024
MAX_PARTS = 200
MAX_RATIO = 100
RATIO_FROM_BYTES = 1024 * 1024  # a small part may compress any amount: it is small
# What a spreadsheet treats as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The clock the time budget runs on (a test replaces it to prove the budget is enforced).
_clock = monotonic


@dataclass
class Sheet:
    header: list[str]
    # (row number as the spreadsheet shows it, cells as text), blank rows left out
    rows: list[tuple[int, list[str]]]
    # A CSV read as GB18030 into text unlikely to be what it says (patrol.setup.sheet_encoding)
    doubtful_encoding: bool = False


class _Deadline:
    """The time budget of one read, checked as rows stream and whenever openpyxl reads from the zip."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = _clock() + seconds

    def check(self) -> None:
        if _clock() > self.at:
            raise Refused(
                _l(
                    "Reading this file took more than %(n)s seconds, far longer than a sheet of "
                    "locations needs. Copy just the locations into a new sheet and upload that.",
                    n=format(self.seconds, "g"),
                )
            )


class _TimedBytes(io.BytesIO):
    """The upload as openpyxl's zip reader sees it: every read checks the deadline, so parsing that
    happens inside openpyxl (shared strings, styles, a sheet's dimension scan) cannot outlast it."""

    def __init__(self, data: bytes, deadline: _Deadline):
        super().__init__(data)
        self.deadline = deadline

    def read(self, size: int | None = -1) -> bytes:
        self.deadline.check()
        return super().read(size)


def read_sheet(data: bytes, *, max_rows: int, seconds: float = READ_SECONDS) -> Sheet:
    """The header row and up to `max_rows` data rows of a CSV or XLSX file, told apart by content."""
    deadline = _Deadline(seconds)
    if not data.strip():
        raise Refused(_l("The file is empty."))
    if len(data) > MAX_SHEET_BYTES:
        raise Refused(_l("The file is too large: a sheet of locations is at most 10 MB."), 413)
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, max_rows, deadline)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Refused(_l("This is an old Excel (.xls) file. Save it as .xlsx or CSV and upload that."), 415)
    decoded = decode_csv(data)
    if decoded is None:
        raise _not_a_sheet()
    sheet = _rows_within(_csv_records(decoded.text), max_rows, deadline)
    sheet.doubtful_encoding = decoded.doubtful
    return sheet


def _not_a_sheet() -> Refused:
    return Refused(_l("This file is neither a CSV nor an Excel .xlsx sheet."), 415)


def _rows_within(records, max_rows: int, deadline: _Deadline) -> Sheet:
    """The first non-blank record is the header; stop reading as soon as any limit is passed."""
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    blank_rows = 0
    for number, cells in records:
        deadline.check()
        cells = _checked_cells(number, cells)
        if not cells:
            blank_rows += 1
            if blank_rows > MAX_BLANK_ROWS:
                raise Refused(
                    _l(
                        "The sheet has more than %(n)s empty rows. Delete them and upload it again.",
                        n=format(MAX_BLANK_ROWS, ","),
                    )
                )
            continue
        if header is None:
            header = cells
            continue
        if len(rows) == max_rows:
            raise Refused(
                _l("At most %(n)s rows per import: split the sheet and import it in parts.", n=format(max_rows, ","))
            )
        rows.append((number, cells))
    if header is None:
        raise Refused(_l("The file is empty."))
    return Sheet(header=header, rows=rows)


def _checked_cells(number: int, cells: list[str]) -> list[str]:
    """The row's cells stripped, without the empty ones at its end; refused when a cell is too long
    or something stands beyond the last column a sheet of locations may use."""
    if any(len(cell) > MAX_CELL_CHARS for cell in cells):
        raise Refused(
            _l(
                "Row %(row)s has a cell longer than %(n)s characters, which is not a location. "
                "Shorten or delete it and upload the sheet again.",
                row=number,
                n=MAX_CELL_CHARS,
            )
        )
    cells = [cell.strip() for cell in cells]
    while cells and not cells[-1]:
        cells.pop()
    if len(cells) > MAX_COLUMNS:
        raise Refused(
            _l(
                "Row %(row)s has something beyond column %(n)s: a sheet of locations has at most "
                "%(n)s columns. Delete the extra columns and upload it again.",
                row=number,
                n=MAX_COLUMNS,
            )
        )
    return cells


class _CsvLines:
    """A CSV text's lines for csv.reader, refusing a row (which quotes may spread over lines) that is too long.

    This bounds the work per row without touching csv.field_size_limit: that is one setting for the
    whole process, so changing it would change it for every other request served at the same time.
    """

    def __init__(self, text: str):
        self._lines = iter(io.StringIO(text, newline=""))  # \r\n, \n and an old Mac's \r all end a line
        self.row, self._chars = 1, 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self._chars += len(line)
        if self._chars > MAX_CSV_ROW_CHARS:
            raise Refused(
                _l(
                    "Row %(row)s of the CSV file is far longer than a row of locations can be. "
                    "Check the file and upload it again.",
                    row=self.row,
                )
            )
        return line

    def next_row(self) -> None:
        self.row, self._chars = self.row + 1, 0


def _csv_records(text: str):
    """(row number, cells) for each row of a CSV text, the delimiter guessed from its first line."""
    first_line = text[:MAX_CSV_ROW_CHARS].split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    lines = _CsvLines(text)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        for cells in reader:
            yield lines.row, cells
            lines.next_row()
    except csv.Error as error:
        raise Refused(_l("Line %(n)d of the CSV file could not be read.", n=reader.line_num)) from error


def _check_zip(data: bytes) -> None:
    """Refuse, from the zip's directory alone, an .xlsx that is no workbook or would unpack to too much."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as error:
        raise _not_a_sheet() from error
    if not any(part.filename == "xl/workbook.xml" for part in parts):
        raise _not_a_sheet()
    if (
        len(parts) > MAX_PARTS
        or sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES
        or any(part.file_size > MAX_PART_BYTES or _bomb_like(part) for part in parts)
    ):
        raise Refused(
            _l(
                "This Excel file unpacks to far more than a sheet of locations holds. "
                "Copy just the locations into a new workbook and upload that."
            ),
            413,
        )


def _bomb_like(part: zipfile.ZipInfo) -> bool:
    return part.file_size > RATIO_FROM_BYTES and part.file_size > MAX_RATIO * part.compress_size


def _read_xlsx(data: bytes, max_rows: int, deadline: _Deadline) -> Sheet:
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; none of that matters here.
            warnings.simplefilter("ignore")
            # read_only streams the sheet; data_only=False: a formula cell gives back its formula text.
            book = load_workbook(_TimedBytes(data, deadline), read_only=True, data_only=False)
            try:
                return _rows_within(_xlsx_records(book.worksheets[0], max_rows), max_rows, deadline)
            finally:
                book.close()
    except Refused:
        raise
    except Exception as error:  # openpyxl raises many kinds of errors on a damaged file
        raise Refused(_l("This Excel file could not be read. Open it in Excel, save it again and retry.")) from error


def _xlsx_records(sheet, max_rows: int):
    """(row number, cells as text) for each row, read only up to one row and one column past the limits.

    Without both bounds openpyxl pads every row out to the sheet's declared <dimension> and every
    gap up to its last row, so a forged A1:XFD1048576 means billions of empty cells. One past the
    limit is enough to see it passed: a value in column 31, or a row after the header, the allowed
    rows and the allowed empty rows.
    """
    rows = sheet.iter_rows(max_row=1 + max_rows + MAX_BLANK_ROWS + 1, max_col=MAX_COLUMNS + 1, values_only=True)
    for number, values in enumerate(rows, start=1):
        yield number, [cell_text(value) for value in values]


def cell_text(value) -> str:
    """A cell's value as the text a person sees in it (a formula as its formula, 3.0 as 3)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = getattr(value, "text", None)  # array and table formulas are objects holding their text
    return str(text if isinstance(text, str) else value)


def unquote(value: str) -> str:
    """Undo `spreadsheet_safe`, so an exported sheet imports back as it was."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def spreadsheet_safe(value) -> str:
    """The value as text that no spreadsheet will run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(header: list[str], rows) -> bytes:
    """UTF-8 with a BOM, so Excel opens Chinese text correctly; every cell formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
