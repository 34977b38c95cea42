"""WSGI entry (`gunicorn wsgi:app`, `flask --app wsgi ...`). Never starts a scheduler; it only adds the
`jobs` commands (scheduler/cli.py) to the command line."""

from mobile_api import create_app
from scheduler import cli as jobs_cli

app = create_app()
jobs_cli.register(app)
