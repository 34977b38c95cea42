"""Schemathesis against the whole OpenAPI description, in process: no 5xx, every answer documented and matching its
schema, every error in the one envelope. Supervisee routes are fuzzed as supervisee A, administration as the
administrator, everything else as county A's officer, in the authorization matrix's world (real ids to hit).

SQJZ_FUZZ_EXAMPLES sets the examples per operation (a few by default; `bench/fuzz` runs many more).
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from mobile_api import create_app
from tests.api.authz_world import build_records
from tests.apps import at, isolated_app

EXAMPLES = int(os.environ.get("SQJZ_FUZZ_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# The description is read from an app without a database; the cases are sent to the module's app (`served`).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", create_app("testing"))


@pytest.fixture(scope="module")
def served(database_url, tmp_path_factory):
    """The app the cases go to and every caller's headers, in the matrix's world at 2026-11-26 noon."""
    with isolated_app(database_url, UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads"))) as app:
        records = build_records(app)
        with at(2026, 11, 26):
            yield app, records.headers


def caller(path: str) -> str:
    if path.startswith("/api/v1/me"):
        return "supervisee_a"
    if path.startswith(("/api/v1/units", "/api/v1/users")):
        return "admin"
    return "county_a"


def error_envelope(ctx, response, case) -> bool | None:
    """Every status ≥ 400 carries {"error": {"code", "message", "fields"?}} and nothing else."""
    if response.status_code < 400:
        return None
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]) <= {"code", "message", "fields"}, body
    assert isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str), body
    return True


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_operation(served, case):
    app, headers = served
    case.call_and_validate(app=app, headers=headers[caller(case.path)], checks=CHECKS,
                           additional_checks=[error_envelope])


@pytest.mark.parametrize("method, url, body", [
    ("GET", "/api/v1/leave-requests/monthly?month=0000-01", None),
    ("GET", "/api/v1/leave-requests/monthly/export?month=0000-01", None),
    ("POST", "/api/v1/inspections", {"quarter": "0000Q1"}),
])
def test_year_zero_is_a_validation_error(served, method, url, body):
    """Found by the fuzzer: year 0 passed the pattern and crashed date arithmetic (500)."""
    app, headers = served
    response = app.test_client().open(url, method=method, json=body, headers=headers["county_a"])
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "validation_failed"
