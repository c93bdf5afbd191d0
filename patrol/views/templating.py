"""Template helpers: filters and globals, success messages, and rendering one block of a page as an htmx fragment."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, current_app, flash, get_flashed_messages, redirect, render_template
from flask_babel import get_locale
from htmx_flask import make_response as htmx_response
from htmx_flask import request
from jinja2 import pass_eval_context
from jinja2.filters import do_xmlattr
from markupsafe import Markup

from patrol import access, i18n, passwords, presenters, vocabulary
from patrol.inspections import answers
from patrol.presenters.times import duration, localtime


def is_htmx() -> bool:
    """An htmx request that wants a fragment (a boosted link or form, or going back, wants the whole page)."""
    return bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request


def flash_success(message) -> None:
    """Say `message` once, on the next page this person sees (base.html shows it above the content)."""
    flash(str(message), "success")  # str: the session keeps text, translated now in their language


def go_to(url: str, message=None):
    """After a successful POST: say `message` on the next page and go to `url` — a 303, or for htmx
    a 204 whose HX-Redirect makes it a full navigation."""
    if message is not None:
        flash_success(message)
    if is_htmx():
        return htmx_response("", 204, redirect=url)
    return redirect(url, 303)


def render_block(template_name: str, block: str, **context) -> str:
    """Render only one named block of a page template: the page and its fragments stay one file."""
    env = current_app.jinja_env
    template = env.get_or_select_template(template_name)
    current_app.update_template_context(context)
    return "".join(template.blocks[block](template.new_context(context))) + _unshown_messages()


def _unshown_messages() -> str:
    """Messages waiting to be shown, for a fragment: htmx swaps them into the page's #flashes out of
    band. A fragment has no base.html, and left in the session they would appear on a later page."""
    if not get_flashed_messages():
        return ""
    return render_template("_flashes.html", oob=True)


def render(template_name: str, block: str | None = None, **context) -> str:
    """The whole page, or for an htmx request just `block`."""
    if block and is_htmx():
        return render_block(template_name, block, **context)
    return render_template(template_name, **context)


@pass_eval_context
def html_attrs(eval_context, attrs: Mapping) -> Markup:
    """Jinja's xmlattr (names checked, values escaped) with HTML's boolean attributes: true writes
    `required=""`, which a browser reads as present; false and none leave the attribute out."""
    present = {name: "" if value is True else value for name, value in attrs.items() if value is not False}
    return do_xmlattr(eval_context, present)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["html_attrs"] = html_attrs
    # An item's rule and the words of a refusal, written into the checklist for the phone to judge by.
    app.jinja_env.globals.update(item_rule=answers.item_rule, rule_words=answers.rule_words)
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters.update(presenters.TEMPLATE_FILTERS)  # how a schedule or an audit entry reads
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["password_min_length"] = passwords.MIN_LENGTH  # the forms' hint says the real rule

    @app.context_processor
    def _globals():
        locale = str(get_locale() or "zh_Hans")
        return {
            "vocab": vocabulary,
            "can": access.can,
            "languages": i18n.LANGUAGES,
            "current_language": locale,
            "html_lang": i18n.HTML_LANG.get(locale, "zh-Hans"),
            "is_htmx": is_htmx(),
            # The form macros (templates/_forms.html) without an import: a block rendered alone as a
            # fragment does not run its template's top-level imports.
            "forms": current_app.jinja_env.get_template("_forms.html").module,
        }
