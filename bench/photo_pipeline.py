"""How long and how much memory one phone photo takes to decode and downscale, with and without draft.

    python bench/photo_pipeline.py

Each variant runs in its own process (so peak RSS is its own) on a generated 4032x3024
JPEG: decode + resize to at most 1600 px, median of 10 rounds; then the whole stored
pipeline (`process_photo`: draft decode, resize, EXIF orientation, JPEG + thumbnail).
The worst cases (huge, progressive, PNG) are bench/photo_worst_case.py's.
"""

from __future__ import annotations

import io
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MAX_SIDE = 1600


def phone_jpeg(width=4032, height=3024) -> bytes:
    # Noise, so the encoder cannot cheat on flat colour.
    image = Image.effect_noise((width // 4, height // 4), 64).convert("RGB").resize((width, height))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def decode_and_resize(data: bytes, use_draft: bool) -> None:
    from patrol.photos.processing import _fit

    image = Image.open(io.BytesIO(data))
    if use_draft:
        image.draft("RGB", _fit(image.size, MAX_SIDE))
    image.load()
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)


def whole_pipeline(data: bytes) -> None:
    from zoneinfo import ZoneInfo

    from patrol.photos.processing import PixelLimits, process_photo

    process_photo(data, zone=ZoneInfo("Asia/Shanghai"), max_bytes=len(data), pixels=PixelLimits(10**8, 10**8))


def run_variant(variant: str, path: str) -> None:
    data = Path(path).read_bytes()
    decode_and_resize(phone_jpeg(64, 48), True)  # imports and warm-up before the baseline
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    step = {
        "draft": lambda: decode_and_resize(data, True),
        "full": lambda: decode_and_resize(data, False),
        "pipeline": lambda: whole_pipeline(data),
    }[variant]
    times = []
    for _ in range(10):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base_rss) / 1024
    print(f"{variant:<9} median {statistics.median(times) * 1000:6.0f} ms   extra peak RSS {peak:6.1f} MB")


if __name__ == "__main__":
    if len(sys.argv) > 2:
        run_variant(sys.argv[1], sys.argv[2])
    else:
        with tempfile.NamedTemporaryFile(suffix=".jpg") as sample:
            sample.write(phone_jpeg())
            sample.flush()
            print(f"input: 4032x3024 JPEG, {Path(sample.name).stat().st_size / 1e6:.1f} MB")
            for variant in ("draft", "full", "pipeline"):
                subprocess.run([sys.executable, __file__, variant, sample.name], check=True)
