"""Forms and filters of the console, loaded with the API's own schemas so both check input alike."""

from flask import request
from marshmallow import Schema

CSRF_FIELD = "csrf_token"


def load(schema: type[Schema], source=None) -> dict:
    """The submitted form (or `source`, e.g. the query string) loaded with `schema`; blank fields are left out
    so that the schema's defaults apply, and the CSRF field is the guard's, not the schema's.

    :raises marshmallow.ValidationError: with the schema's Chinese messages.
    """
    values = request.form if source is None else source
    return schema().load({key: value for key, value in values.items()
                          if key != CSRF_FIELD and value.strip() != ""})
