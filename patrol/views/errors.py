"""Every error a user can cause answers in plain words: a page, for htmx a message in place, for the outbox JSON."""

from __future__ import annotations

from flask import Blueprint, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from htmx_flask import make_response as htmx_response
from werkzeug.exceptions import HTTPException

from patrol.accounts.throttle import TooManyAttempts
from patrol.i18n import lazy_gettext as _l
from patrol.views.templating import is_htmx, render_block

bp = Blueprint("errors", __name__)

MESSAGES = {
    400: (_l("Something in that request was wrong"), _l("Go back, check what you entered and try again.")),
    403: (
        _l("You do not have access to this"),
        _l(
            "It belongs to a site you are not assigned to, or your role cannot do this. "
            "Ask your supervisor if you need it."
        ),
    ),
    404: (_l("Not found"), _l("This page or record does not exist (any more).")),
    405: (_l("That cannot be done here"), _l("Go back and use the buttons on the page.")),
    409: (_l("This changed in the meantime"), _l("Reload the page to see the latest version.")),
    413: (_l("The file is too large"), _l("Send a smaller file: a photo taken again, or a shorter sheet.")),
    415: (_l("That kind of file is not accepted"), _l("Attach a JPEG or PNG photo.")),
    422: (_l("Please check what you entered"), _l("Some of it could not be accepted.")),
    500: (_l("Something went wrong on our side"), _l("Nothing was saved by this request. Try again in a moment.")),
}


def wants_json() -> bool:
    """A request from the phone's outbox (static/js/outbox.js): it reads JSON, never a page."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def json_error(status: int, error: str, message=None, **extra):
    """What the outbox is told when a request is refused: a code it acts on, and words to show."""
    body = {"ok": False, "error": error, "message": str(message) if message is not None else "", **extra}
    return make_response(jsonify(body), status)


def error_response(status: int, title=None, detail=None, error: str = "refused"):
    """The error page for a browser, a message fragment swapped into #messages for htmx, JSON for the outbox."""
    default_title, default_detail = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    context = {"status": status, "title": title or default_title, "detail": detail or default_detail}
    if wants_json():
        return json_error(status, error, context["detail"], title=str(context["title"]))
    if is_htmx():
        return htmx_response(
            render_block("errors/error.html", "message", **context), status, retarget="#messages", reswap="innerHTML"
        )
    return make_response(render_template("errors/error.html", **context), status)


@bp.app_errorhandler(CSRFError)
def csrf_error(_error):
    # "csrf" tells the outbox to pause and fetch a fresh token (after a sign-in), not to give up.
    return error_response(
        400,
        _l("This page has expired"),
        _l("For your security the form could not be sent. Reload the page and try again."),
        error="csrf",
    )


@bp.app_errorhandler(TooManyAttempts)
def too_many_attempts(error: TooManyAttempts):
    response = error_response(429, _l("Too many attempts"), error.message)
    response.headers["Retry-After"] = str(error.wait)
    return response


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    return error_response(error.code)


@bp.app_errorhandler(500)
def server_error(_error):
    return error_response(500)
