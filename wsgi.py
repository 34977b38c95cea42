"""WSGI entry (`gunicorn wsgi:app`, `flask --app wsgi ...`). Never starts a scheduler."""

from mobile_api import create_app

app = create_app()
