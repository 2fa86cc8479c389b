"""Extension instances only; each is bound to the app in `create_app`."""

from flask_babel import Babel
from flask_babel.speaklater import LazyString
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from markupsafe import escape

from consent.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
babel = Babel()


def _lazy_translations_are_text() -> None:
    """Flask-Babel marks a lazy translation as ready-made HTML (its `__html__` returns it as
    is), so a name put into one ("All of %(tool)s", a refusal quoting what someone typed) would
    reach the page unescaped. No translation of ours carries markup: escape them like any text."""
    LazyString.__html__ = lambda self: escape(str(self))


_lazy_translations_are_text()
