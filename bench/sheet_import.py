"""How long reading each hostile (and each ordinary) location sheet takes, and what the reader answers.

    python bench/sheet_import.py                        # patrol/setup/sheets.py in this tree
    python bench/sheet_import.py /tmp/sheets_before.py  # another version of that module, e.g.
        git show 031d89a:patrol/setup/sheets.py > /tmp/sheets_before.py

Every file is generated here, then read by `read_sheet(data, max_rows=5000)` in its own process
(so the peak RSS is that process's own: imports, the file and the reading), median of 3 rounds.
A round that passes 30 s is killed, as gunicorn kills a worker, and reported as such.
"""

from __future__ import annotations

import importlib.util
import io
import random
import re
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.test_hostile_sheets import (  # noqa: E402  (the forgeries the tests refuse, so both see the same files)
    SHEET,
    billion_laughs,
    part_text,
    row_xml,
    shared_strings,
    with_parts,
    with_rows,
    with_shared_strings,
)

MODULE = ROOT / "patrol" / "setup" / "sheets.py"
KILL_SECONDS = 30
ROUNDS = 3
HEADER = ["building", "floor", "unit", "name", "kind", "checklist", "notes"]


def location_rows(count: int):
    return (
        [f"{n // 100}栋", f"{n % 100}F", "", f"{n // 100}栋 {n % 100}F 巡查点 {n}", "floor", "", ""]
        for n in range(count)
    )


def xlsx(rows, header=HEADER) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def forged(data: bytes, far_cell: bool = False) -> bytes:
    """The workbook claiming to use every cell of its sheet (and, if asked, with a value in the very last one)."""
    xml = re.sub(r'<dimension ref="[^"]+"\s*/>', "", part_text(data, SHEET))  # write-only workbooks have none
    xml = xml.replace("</sheetPr>", '</sheetPr><dimension ref="A1:XFD1048576"/>', 1)
    return with_rows(with_parts(data, {SHEET: xml}), row_xml(1048576, {"XFD": "x"}) if far_cell else "")


def noise(count: int) -> str:
    return "".join(random.choices(string.ascii_letters, k=count))


def csv_bytes(lines) -> bytes:
    return "\r\n".join(lines).encode("utf-8")


def cases() -> dict:
    """Each file's name and how to build it (built one at a time, so this process stays small)."""
    small = xlsx(location_rows(3))
    return {
        "ordinary: 5,000 rows .xlsx": lambda: xlsx(location_rows(5000)),
        "ordinary: 5,000 rows .csv": lambda: csv_bytes([",".join(HEADER)] + [",".join(r) for r in location_rows(5000)]),
        "probe: 5,000 rows, <dimension> forged to A1:XFD1048576": lambda: forged(xlsx(location_rows(5000))),
        "forged dimension + a cell at XFD1048576": lambda: forged(small, far_cell=True),
        "sharedStrings bomb (200 MB of one string)": lambda: with_shared_strings(
            small, shared_strings("<si><t>" + "A" * 200_000_000 + "</t></si>")
        ),
        "sharedStrings within the zip limits: 600,000 short strings": lambda: with_shared_strings(
            small, shared_strings("".join(f"<si><t>{noise(8)}</t></si>" for _ in range(600_000)))
        ),
        "billion laughs in sharedStrings": lambda: with_shared_strings(small, billion_laughs()),
        "10,000 columns": lambda: xlsx([], header=[f"c{n}" for n in range(10_000)]),
        "one row of 600,000 number cells (14 MB of XML)": lambda: with_rows(
            small,
            '<row r="5">' + "".join(f"<c><v>{random.randint(0, 10**6)}</v></c>" for _ in range(600_000)) + "</row>",
        ),
        "one 5 MB cell": lambda: with_rows(small, row_xml(5, {"G": noise(5_000_000)})),
        "20,000 rows": lambda: xlsx(location_rows(20_000)),
        "50,000 empty parts": lambda: with_parts(small, {f"xl/media/{n}.bin": b"" for n in range(50_000)}),
        "CSV with a 10 MB line": lambda: csv_bytes([",".join(HEADER), "1栋,1F,," + "x" * 10_000_000 + ",floor,,"]),
        "CSV with a million empty lines": lambda: csv_bytes([",".join(HEADER), *["," * 6] * 1_000_000]),
        "not a zip, named .xlsx (1 MB of noise)": lambda: random.randbytes(1_000_000),
    }


def load_reader(path: Path):
    spec = importlib.util.spec_from_file_location("sheets_under_test", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def run_case(module_path: str, data_path: str) -> None:
    """One round in this process: the time, peak RSS above the baseline and the reader's answer."""
    module = load_reader(Path(module_path))
    data = Path(data_path).read_bytes()
    module.read_sheet(xlsx(location_rows(1)), max_rows=5000)  # imports and warm-up before the clock starts
    # Versions before issue 15 raised their own SheetError; later ones patrol.outcome.Refused.
    refused = getattr(module, "Refused", None) or module.SheetError
    start = time.perf_counter()
    try:
        answer = f"read {len(module.read_sheet(data, max_rows=5000).rows):,} rows"
    except refused as error:
        answer = f"refused {error.status}: {str(error.message)[:70]}"
    elapsed = time.perf_counter() - start
    peak = peak_rss_mb()
    print(f"{elapsed:.4f}\t{peak:.1f}\t{answer}")


def peak_rss_mb() -> float:
    # VmHWM starts afresh at exec; getrusage's maxrss would include the parent's size at fork.
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def measure(module_path: Path, name: str, data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".upload") as sample:
        sample.write(data)
        sample.flush()
        times, peaks, answer = [], [], ""
        for _ in range(ROUNDS):
            try:
                done = subprocess.run(
                    [sys.executable, __file__, "--case", str(module_path), sample.name],
                    capture_output=True,
                    text=True,
                    timeout=KILL_SECONDS,
                    check=True,
                )
            except subprocess.TimeoutExpired:
                return f"| {name} | {len(data) / 1024:,.0f} KB | killed at {KILL_SECONDS} s | — | — |"
            seconds, peak, answer = done.stdout.strip().split("\t")
            times.append(float(seconds))
            peaks.append(float(peak))
    return (
        f"| {name} | {len(data) / 1024:,.0f} KB | {statistics.median(times) * 1000:,.0f} ms "
        f"| {max(peaks):,.0f} MB | {answer} |"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--case":
        run_case(sys.argv[2], sys.argv[3])
    else:
        module_path = Path(sys.argv[1]) if len(sys.argv) > 1 else MODULE
        print(f"reader: {module_path}")
        print("| file | size | median time | peak RSS | answer |\n|---|---|---|---|---|")
        random.seed(7)
        for name, build in cases().items():
            print(measure(module_path, name, build()), flush=True)
