"""In-app notifications: the unread count in the header, the list, marking them read."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notifications", __name__)
