"""Setup: people."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_people", __name__, url_prefix="/admin/people")
