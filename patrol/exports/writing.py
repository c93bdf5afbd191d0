"""Writing an export's tables as they come, never holding them: openpyxl's write-only workbook or csv.writer.

Formula-safe both ways (OWASP "CSV injection"): in an .xlsx every text cell is written as a string
cell, so `=1+1` is shown as typed and never run; in a .csv, which has no cell types, a text cell that
starts with = + - @, a tab or a carriage return gets a leading ' (patrol.setup.sheets.spreadsheet_safe,
as the location list's export does). Numbers stay numbers. The .csv is UTF-8 with a BOM, so Excel opens
Chinese text correctly.
"""

from __future__ import annotations

import csv
import os
import re
from datetime import datetime
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from patrol.private_files import PRIVATE_FILE, make_private_dir
from patrol.setup.sheets import spreadsheet_safe

MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
DATE_FORMAT = "yyyy-mm-dd hh:mm"
SHEET_TITLE_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def open_private(path: Path, mode: str, **kwargs) -> IO:
    """A new file only this account can read (0600, whatever the umask)."""
    make_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    return os.fdopen(fd, mode, **kwargs)


class XlsxWriter:
    """Sheets one after the other; openpyxl writes each row out as it is appended."""

    def __init__(self, out: IO[bytes]):
        self.out = out
        self.book = Workbook(write_only=True)
        self.sheet = None
        self.bold = Font(bold=True)

    def table(self, title: str, header: list[str]) -> None:
        self.sheet = self.book.create_sheet(title=SHEET_TITLE_UNSAFE.sub(" ", title)[:31] or "-")
        self.sheet.append([self._cell(text, font=self.bold) for text in header])

    def row(self, values: list) -> None:
        self.sheet.append([self._cell(value) for value in values])

    def _cell(self, value, font=None) -> WriteOnlyCell:
        if isinstance(value, datetime):
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.number_format = DATE_FORMAT
        elif value is None or isinstance(value, int | float):
            cell = WriteOnlyCell(self.sheet, value=value)
        else:
            cell = WriteOnlyCell(self.sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
            cell.data_type = "s"  # a string, whatever it starts with: openpyxl would make "=…" a formula
        if font is not None:
            cell.font = font
        return cell

    def close(self) -> None:
        if not self.book.worksheets:
            self.book.create_sheet()
        self.book.save(self.out)


class CsvWriter:
    """One table (a .csv has no sheets); rows go straight to the file."""

    def __init__(self, out: IO[str]):
        self.out = out
        self.writer = csv.writer(out, lineterminator="\r\n")
        self.tables = 0

    def table(self, title: str, header: list[str]) -> None:
        self.tables += 1
        if self.tables > 1:
            raise ValueError("a .csv holds one table; a kind offers a second table as a kind of its own")
        self.writer.writerow([spreadsheet_safe(text) for text in header])

    def row(self, values: list) -> None:
        self.writer.writerow([_csv_cell(value) for value in values])

    def close(self) -> None:
        self.out.flush()


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, int | float):
        return value
    return spreadsheet_safe(value)


def open_writer(path: Path, fmt: str):
    """The writer for `fmt` on a new private file at `path`, and the file (to close)."""
    if fmt == "xlsx":
        out = open_private(path, "wb")
        return XlsxWriter(out), out
    out = open_private(path, "w", encoding="utf-8-sig", newline="")
    return CsvWriter(out), out
