"""Keeping the catalogs complete: extract every visible string and merge it into each language.

    python -m patrol.i18n_tools update   # refresh messages.pot and each messages.po
    python -m patrol.i18n_tools check    # list what is missing; exit 1 if anything is

English strings are the message ids, so the English catalog repeats them; the two
Chinese catalogs are translated by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from patrol.i18n import LANGUAGES, SOURCE_DIR

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}


def extract() -> Catalog:
    """Every translatable string in the package and the templates."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    catalog = Catalog(project="patrol", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def catalog_path(language: str) -> Path:
    return SOURCE_DIR / language / "LC_MESSAGES" / "messages.po"


def read(language: str) -> Catalog:
    with catalog_path(language).open("rb") as source:
        return read_po(source, locale=language)


def missing(language: str, template: Catalog | None = None) -> list[str]:
    """Message ids the catalog lacks, leaves untranslated, or marks fuzzy."""
    template = template or extract()
    path = catalog_path(language)
    if not path.exists():
        return [m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id]
    catalog = read(language)
    gaps = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        if found is None or found.fuzzy or not _translated(found.string):
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def _translated(strings) -> bool:
    if isinstance(strings, str):
        return bool(strings)
    return bool(strings) and all(strings)


def update() -> None:
    template = extract()
    with (SOURCE_DIR / "messages.pot").open("wb") as out:
        write_po(out, template, width=100, omit_header=False, sort_output=True)
    for language in LANGUAGES:
        path = catalog_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = read(language) if path.exists() else Catalog(locale=language, project="patrol")
        catalog.update(template, no_fuzzy_matching=True)
        if language == "en":
            for message in catalog:
                if message.id and not _translated(message.string):
                    message.string = message.id
        catalog.obsolete.clear()
        with path.open("wb") as out:
            write_po(out, catalog, width=100, sort_output=True, ignore_obsolete=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        return 0
    template = extract()
    status = 0
    for language in LANGUAGES:
        gaps = missing(language, template)
        for gap in gaps:
            print(f"{language}: {gap}")
        status |= bool(gaps)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
