"""Entry point for gunicorn: `gunicorn wsgi:app`."""

from consent import create_app

app = create_app()
