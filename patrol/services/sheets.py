"""Reading an uploaded CSV or XLSX sheet into rows of text, and writing CSV that Excel opens safely.

Cells are only ever read as text: a formula is kept as the characters it was typed with,
never evaluated, and on the way out a value that a spreadsheet would run as a formula is
quoted so it stays text.
"""
from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l

# Beyond this an upload is not a sheet of locations but a mistake (or an attack).
MAX_SHEET_BYTES = 10 * 1024 * 1024
# An .xlsx is a zip: refuse one whose contents would unpack to more than this (a zip bomb).
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# What a spreadsheet treats as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class SheetError(Exception):
    """The file as a whole cannot be used; `message` says why in the user's language."""

    def __init__(self, message, status: int = 422):
        super().__init__(str(message))
        self.message = message
        self.status = status


@dataclass
class Sheet:
    header: list[str]
    # (row number as the spreadsheet shows it, cells as text), blank rows left out
    rows: list[tuple[int, list[str]]]


def read_sheet(data: bytes, *, max_rows: int) -> Sheet:
    """The header row and up to `max_rows` data rows of a CSV or XLSX file, told apart by content."""
    if not data.strip():
        raise SheetError(_l("The file is empty."))
    if len(data) > MAX_SHEET_BYTES:
        raise SheetError(_l("The file is too large: a sheet of locations is at most 10 MB."), 413)
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, max_rows)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetError(_l("This is an old Excel (.xls) file. Save it as .xlsx or CSV and upload that."), 415)
    return _read_csv(_decode(data), max_rows)


def _not_a_sheet() -> SheetError:
    return SheetError(_l("This file is neither a CSV nor an Excel .xlsx sheet."), 415)


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM ("Unicode text"), or GB18030 as Chinese Excel saves."""
    encodings = ("utf-16",) if data.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:  # binary content that happened to decode
            break
        return text
    raise _not_a_sheet()


def _rows_within(records, max_rows: int) -> Sheet:
    """The first non-blank record is the header; stop reading as soon as there are too many rows."""
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, cells in records:
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if header is None:
            header = cells
            continue
        if len(rows) == max_rows:
            raise SheetError(_l("At most %(n)s rows per import: split the sheet and import it in parts.",
                                n=f"{max_rows:,}"))
        rows.append((number, cells))
    if header is None:
        raise SheetError(_l("The file is empty."))
    return Sheet(header=header, rows=rows)


def _read_csv(text: str, max_rows: int) -> Sheet:
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return _rows_within(enumerate(reader, start=1), max_rows)
    except csv.Error as error:
        raise SheetError(_l("Line %(n)d of the CSV file could not be read.", n=reader.line_num)) from error


def _read_xlsx(data: bytes, max_rows: int) -> Sheet:
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise _not_a_sheet() from error
    if "xl/workbook.xml" not in names:
        raise _not_a_sheet()
    if unpacked > MAX_UNPACKED_BYTES:
        raise SheetError(_l("The file is too large: a sheet of locations is at most 10 MB."), 413)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; none of that matters here.
            warnings.simplefilter("ignore")
            # data_only=False: a formula cell gives back its formula text; nothing is evaluated.
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            try:
                sheet = book.worksheets[0]
                records = (([cell_text(value) for value in row])
                           for row in sheet.iter_rows(values_only=True))
                return _rows_within(enumerate(records, start=1), max_rows)
            finally:
                book.close()
    except SheetError:
        raise
    except Exception as error:  # openpyxl raises many kinds of errors on a damaged file
        raise SheetError(_l("This Excel file could not be read. Open it in Excel, save it again and retry.")) from error


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
