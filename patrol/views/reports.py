"""Report a problem anywhere (随手拍): photos, a note, a severity — and it is a task like any other."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)
