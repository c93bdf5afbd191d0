"""Which encoding a CSV's bytes were written in, and whether the text read from them is believable.

Chinese Excel saves CSV as GB18030 (GBK), everything else as UTF-8; a file with a BOM says which
UTF it is. GB18030 accepts nearly any bytes, so a file in another encoding (Shift-JIS from a Japanese
PC, Big5 from a Taiwanese one) "decodes" without error into characters that Chinese text almost
never holds: rare ideographs outside GB2312 and Big5's common level, private-use code points. When
much of the text is such characters, the import preview warns instead of importing garbage silently.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from patrol.i18n import lazy_gettext as _l

# Enough text to judge a file by; a 10 MB file is not read twice over.
SAMPLE_CHARS = 100_000
# Judged by distinct characters, so a site whose name has a rare character (堃, 喆) on every row
# is not doubted. Shift-JIS read as GB18030 gives 70-100 % rare characters, Big5 about 45 %; a real
# list of Chinese locations has a handful of rare characters among dozens of common ones.
MAX_RARE_SHARE = 0.35
MIN_RARE_CHARS = 3
# Big5's level 1: the 5,401 characters in everyday Traditional Chinese use.
BIG5_COMMON = (0xA440, 0xC67E)
# Code points that are not text at all: private use, unassigned, and control characters.
NOT_TEXT = {"Co", "Cn", "Cc"}


@dataclass(frozen=True)
class DecodedText:
    text: str
    # Read as GB18030 only, into text that is unlikely to be what the file says.
    doubtful: bool = False


def decode_csv(data: bytes) -> DecodedText | None:
    """UTF-8 (with or without BOM), UTF-16 with BOM ("Unicode text"), or GB18030; None for binary data."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _text_or_none(data, "utf-16")
    decoded = _text_or_none(data, "utf-8-sig")
    if decoded is not None or b"\x00" in data:
        return decoded
    decoded = _text_or_none(data, "gb18030")
    if decoded is None:
        return None
    return DecodedText(decoded.text, doubtful=not plausible_chinese(decoded.text[:SAMPLE_CHARS]))


def with_garbled_hint(message):
    """The message, and what to do when the text it quotes may be garbled."""
    return _l(
        "%(problem)s The text in this file may be garbled: save the sheet as “CSV UTF-8” or as an Excel "
        ".xlsx file and upload it again.",
        problem=message,
    )


def plausible_chinese(text: str) -> bool:
    """Whether text read as GB18030 looks like what a person typed: few rare characters, none that are not text."""
    chars = {char for char in text if not char.isascii()}
    if any(unicodedata.category(char) in NOT_TEXT for char in chars):
        return False
    rare = sum(1 for char in chars if not _common(char))
    return rare < MIN_RARE_CHARS or rare <= MAX_RARE_SHARE * len(chars)


@lru_cache(maxsize=8192)
def _common(char: str) -> bool:
    """In GB2312 (everyday Simplified Chinese, its punctuation and full-width forms) or Big5's level 1."""
    try:
        char.encode("gb2312")
        return True
    except UnicodeEncodeError:
        pass
    try:
        code = int.from_bytes(char.encode("big5"), "big")
    except UnicodeEncodeError:
        return False
    return BIG5_COMMON[0] <= code <= BIG5_COMMON[1]


def _text_or_none(data: bytes, encoding: str) -> DecodedText | None:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else DecodedText(text)  # binary content that happened to decode
