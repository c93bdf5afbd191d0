"""Flask extensions, created unbound and bound in create_app."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from htmx_flask import Htmx
from sqlalchemy.orm import DeclarativeBase

from patrol.csrf_masking import MaskedCSRFProtect


class Base(DeclarativeBase):
    pass


# Objects stay readable after a commit: a view renders what it just saved without reloading it.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = MaskedCSRFProtect()  # tokens masked per rendering: see patrol.csrf_masking
babel = Babel()
# request.htmx: what an htmx request says about itself (is_htmx reads it)
htmx = Htmx()
