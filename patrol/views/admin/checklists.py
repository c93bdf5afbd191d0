"""Setup: checklists."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_checklists", __name__, url_prefix="/admin/checklists")
