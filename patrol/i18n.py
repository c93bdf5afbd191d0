"""Which language a request is shown in, and the compiled catalogs Flask-Babel reads."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, request
from flask_babel import gettext, ngettext, pgettext
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup, escape

SOURCE_DIR = Path(__file__).parent / "translations"


class LazyText(LazyString):
    """A translation made when it is shown, which Jinja escapes like any other text.

    Flask-Babel's own lazy strings declare themselves markup (`__html__` returns them as they
    are), so a value formatted into one — a spreadsheet cell, a user name — would reach the page
    unescaped. Every lazy string in patrol is one of these instead.
    """

    def __html__(self) -> Markup:
        return escape(str(self))


def lazy_gettext(string: str, **variables) -> LazyText:
    return LazyText(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables) -> LazyText:
    return LazyText(ngettext, singular, plural, num, **variables)


def lazy_pgettext(context: str, string: str, **variables) -> LazyText:
    return LazyText(pgettext, context, string, **variables)


LANGUAGES = {
    "zh_Hans": "简体中文",
    "zh_Hant": "繁體中文",
    "en": "English",
}
HTML_LANG = {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}

# Browser language tags that mean Traditional script.
_TRADITIONAL_TAGS = ("zh-tw", "zh-hk", "zh-mo", "zh-hant")


def language_from_header(header_values: list[str]) -> str | None:
    """The first of the browser's preferred languages that we have, in its order."""
    for tag in header_values:
        tag = tag.lower().replace("_", "-")
        if tag.startswith("zh"):
            return "zh_Hant" if tag.startswith(_TRADITIONAL_TAGS) else "zh_Hans"
        if tag.startswith("en"):
            return "en"
    return None


def select_locale() -> str:
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    chosen = request.cookies.get("lang") if request else None
    if chosen in LANGUAGES:
        return chosen
    if request:
        browser = language_from_header([value for value, _q in request.accept_languages])
        if browser:
            return browser
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def compile_catalogs(target: Path) -> Path:
    """Compile each .po under translations/ into target/<lang>/LC_MESSAGES/messages.mo when stale."""
    for po_path in SOURCE_DIR.glob("*/LC_MESSAGES/messages.po"):
        language = po_path.parent.parent.name
        mo_path = target / language / "LC_MESSAGES" / "messages.mo"
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=language)
        tmp = mo_path.with_suffix(".tmp")
        with tmp.open("wb") as out:
            write_mo(out, catalog)
        tmp.replace(mo_path)
    return target
