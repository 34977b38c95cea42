"""Building blocks shared by the views: the Blueprint with our argument parser, bounded path ids."""

from collections.abc import Callable

import flask_smorest
from webargs.flaskparser import FlaskParser

# Path ids are bounded to the 32-bit range, so a huge number is a 404 rather than a database overflow.
ID = "int(min=1, max=2147483647)"


class JsonBodyParser(FlaskParser):
    """webargs' parser, but JSON that Python's decoder cannot hold (nesting deeper than the recursion limit,
    integers over 4,300 digits) is a malformed body (400), not a crash (500)."""

    def load_json(self, req, schema):
        try:
            return super().load_json(req, schema)
        except (RecursionError, ValueError) as exc:
            return self._handle_invalid_json_error(exc, req)


def body_limit(limit: Callable[[], int]):
    """Give one view a body limit other than MAX_CONTENT_LENGTH; applied before anything reads the body."""
    def decorator(view):
        view.body_limit = limit
        return view
    return decorator


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = JsonBodyParser()
