"""What the worst images a phone (or an attacker) can send cost to process: peak memory and time.

    .venv/bin/python bench/photo_worst_case.py

Each case is generated once, then processed by `process_photo` in a fresh process of its own,
so the peak RSS (the kernel's high-water mark, which sees Pillow's C buffers; tracemalloc does
not) belongs to that one image. The pixel limits are lifted for the measurement; the last column says
whether the app's default limits accept the image. Results and the limits chosen from them:
bench/photo_worst_case.md.
"""

from __future__ import annotations

import io
import json
import resource
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import warnings
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# --- the cases ----------------------------------------------------------------------------------


def camera_jpeg(width: int, height: int, **save) -> bytes:
    # Smooth noise: a camera-like file size; flat colour would let the decoder skip work.
    image = Image.effect_noise((width // 8, height // 8), 40).convert("RGB").resize((width, height))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, **save)
    return out.getvalue()


def flat_png(width: int, height: int, mode: str) -> bytes:
    """Mostly one colour with stripes: a few hundred KB for tens of megapixels, like the probe's file."""
    palette = mode == "P"
    image = Image.new(mode, (width, height), 3 if palette else (40, 90, 160))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 50):
        draw.line((x, 0, x, height), fill=7 if palette else (200, 20, 20), width=3)
    out = io.BytesIO()
    if palette:
        image.putpalette([value for index in range(256) for value in (index, 255 - index, index * 7 % 256)])
        image.save(out, "PNG", transparency=3)
    else:
        image.save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_with_text(width: int, height: int) -> bytes:
    """An RGBA PNG carrying 63 compressed text chunks of 1 MB each (Pillow's default cap is 64 MB)."""
    plain = flat_png(width, height, "RGBA")
    text = zlib.compress(b"A" * (1024 * 1024 - 64), 9)
    chunks = b"".join(_chunk(b"zTXt", b"k%d\x00\x00" % index + text) for index in range(63))
    return plain[:33] + chunks + plain[33:]  # after the signature and IHDR


def png_16_bit(width: int, height: int) -> bytes:
    """16 bits per channel RGBA, compressed row by row (Pillow cannot write it)."""
    row = b"\x00" + b"\x12\x34\x56\x78\x9a\xbc\xff\xff" * width
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 16, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D]
AC_VALUES = bytes.fromhex(  # the standard luminance AC table (JPEG spec K.3)
    "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25"
    "262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a83"
    "8485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3"
    "d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa"
)


def multi_scan_jpeg(width: int, height: int, components: int = 3) -> bytes:
    """A legal baseline (SOF0) JPEG, no subsampling, one scan per component, hand-built.

    Not progressive, so Pillow calls it plain baseline; but libjpeg must keep every DCT
    coefficient (2 bytes a component a pixel) until the last scan. All blocks are flat
    (mid grey, or a CMYK colour with 4 components): a tiny file.
    """

    def segment(marker: int, body: bytes) -> bytes:
        return struct.pack(">HH", marker, len(body) + 2) + body

    frame = b"".join(bytes([index, 0x11, 0]) for index in range(1, components + 1))
    parts = [
        b"\xff\xd8",
        segment(0xFFDB, b"\x00" + b"\x01" * 64),
        segment(0xFFC0, struct.pack(">BHHB", 8, height, width, components) + frame),
        segment(0xFFC4, b"\x00" + bytes(DC_BITS) + bytes(range(12))),
        segment(0xFFC4, b"\x10" + bytes(AC_BITS) + AC_VALUES),
    ]
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    # Each block: DC difference 0 ("00") and end-of-block ("1010"); four blocks fill three bytes.
    tail = "001010" * (blocks % 4)
    tail += "1" * (-len(tail) % 8)
    scan = b"\x28\xa2\x8a" * (blocks // 4) + (int(tail, 2).to_bytes(len(tail) // 8, "big") if tail else b"")
    for component in range(1, components + 1):
        parts += [segment(0xFFDA, bytes([1, component, 0x00, 0, 63, 0])), scan]
    return b"".join(parts + [b"\xff\xd9"])


def cmyk_jpeg(width: int, height: int, **save) -> bytes:
    """Four colour components, none subsampled: the most DCT coefficients a pixel can carry."""
    image = Image.effect_noise((width // 8, height // 8), 40).convert("RGB").resize((width, height))
    out = io.BytesIO()
    image.convert("CMYK").save(out, "JPEG", quality=88, **save)
    return out.getvalue()


CASES = {
    "12 MP JPEG (4000×3000)": lambda: camera_jpeg(4000, 3000),
    "48 MP JPEG (8000×6000)": lambda: camera_jpeg(8000, 6000),
    "64 MP JPEG (8192×8192)": lambda: camera_jpeg(8192, 8192),
    "100 MP JPEG (10000×10000)": lambda: camera_jpeg(10000, 10000),
    "64 MP CMYK JPEG (8192×8192)": lambda: cmyk_jpeg(8192, 8192),
    "12 MP progressive JPEG, 4:4:4 (4096×3072)": lambda: camera_jpeg(4096, 3072, progressive=True, subsampling=0),
    "12 MP progressive CMYK JPEG (4096×3072)": lambda: cmyk_jpeg(4096, 3072, progressive=True),
    "12 MP multi-scan baseline CMYK JPEG (4096×3072)": lambda: multi_scan_jpeg(4096, 3072, components=4),
    "16 MP progressive CMYK JPEG (4096²)": lambda: cmyk_jpeg(4096, 4096, progressive=True),
    "48 MP progressive JPEG, 4:2:0": lambda: camera_jpeg(8000, 6000, progressive=True),
    "100 MP progressive JPEG, 4:4:4": lambda: camera_jpeg(10000, 10000, progressive=True, subsampling=0),
    "100 MP multi-scan baseline JPEG": lambda: multi_scan_jpeg(10000, 10000),
    "49 MP PNG, RGB (7000², the probe's)": lambda: flat_png(7000, 7000, "RGB"),
    "49 MP PNG, RGBA": lambda: flat_png(7000, 7000, "RGBA"),
    "49 MP PNG, palette + transparency": lambda: flat_png(7000, 7000, "P"),
    "49 MP PNG, 16-bit RGBA": lambda: png_16_bit(7000, 7000),
    "12 MP PNG, RGBA (4096×3072)": lambda: flat_png(4096, 3072, "RGBA"),
    "12 MP PNG, 16-bit RGBA (4096×3072)": lambda: png_16_bit(4096, 3072),
    "12 MP PNG, RGBA + 63 MB of zTXt": lambda: png_with_text(4096, 3072),
}


# --- one measurement, in its own process -------------------------------------------------------


def measure(path: str) -> dict:
    from zoneinfo import ZoneInfo

    from patrol.config import load_config
    from patrol.outcome import Refused
    from patrol.photos.processing import PixelLimits, process_photo

    data = Path(path).read_bytes()
    zone, unlimited = ZoneInfo("Asia/Shanghai"), PixelLimits(10**12, 10**12)
    config = load_config(tempfile.gettempdir())
    defaults = PixelLimits(config["PATROL_MAX_PHOTO_PIXELS"], config["PATROL_MAX_PHOTO_PIXELS_FULL_DECODE"])
    warnings.simplefilter("ignore", Image.DecompressionBombWarning)
    Image.MAX_IMAGE_PIXELS = None  # measure past Pillow's own bomb threshold too
    for warm_up in (camera_jpeg(64, 48), flat_png(64, 48, "RGBA"), flat_png(64, 48, "P")):
        process_photo(warm_up, zone=zone, max_bytes=len(data) + 1, pixels=unlimited)
    base = peak_rss_kb()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        try:
            process_photo(data, zone=zone, max_bytes=len(data) + 1, pixels=unlimited)
        except Refused:
            pass  # refused even without pixel limits: the time and memory spent until then
        times.append(time.perf_counter() - start)
    peak = (peak_rss_kb() - base) / 1024
    try:  # after the peak is read: a refusal under the default limits costs next to nothing
        process_photo(data, zone=zone, max_bytes=config["PATROL_MAX_PHOTO_BYTES"], pixels=defaults)
        accepted = "yes"
    except Refused as rejection:
        accepted = f"no: {rejection.status}, {rejection}"
    return {"ms": statistics.median(times) * 1000, "mb": peak, "accepted": accepted}


def peak_rss_kb() -> int:
    """This process's peak RSS. VmHWM first: Linux's ru_maxrss carries a parent's peak over exec."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def main() -> None:
    print(f"Pillow {Image.__version__}, Python {sys.version.split()[0]}")
    print("| case | file | decode | median ms | extra peak RSS | default limits |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "case"
        for name in CASES:
            # Built in a child: this process stays small, whatever a case needs to be drawn.
            _child("build", name, str(path))
            result = json.loads(_child("measure", str(path)))
            print(
                f"| {name} | {path.stat().st_size / 1e6:.2f} MB | {_decode_path(path)} "
                f"| {result['ms']:.0f} | {result['mb']:.0f} MB | {result['accepted']} |",
                flush=True,
            )


def _child(*args: str) -> str:
    return subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True).stdout


def _decode_path(path: Path) -> str:
    from patrol.photos.processing import _decodes_in_one_pass

    data = path.read_bytes()
    return "scaled" if data[:2] == b"\xff\xd8" and _decodes_in_one_pass(data) else "full"


if __name__ == "__main__":
    if sys.argv[1:2] == ["build"]:
        Path(sys.argv[3]).write_bytes(CASES[sys.argv[2]]())
    elif sys.argv[1:2] == ["measure"]:
        print(json.dumps(measure(sys.argv[2])))
    else:
        main()
