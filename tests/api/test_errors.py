"""The one error envelope: malformed and invalid bodies, limits, routing errors, 500s and domain conflicts."""

import io
import json
import logging
import re

import pytest
from flask import abort

from correction.models import Role
from tests.factories import PASSWORD, bearer, id_number, intake_body

CJK = re.compile(r"[\u4e00-\u9fff]")
MIB = 1024 * 1024
SUBJECT_REQUIRED = {"name", "id_number", "sex", "birth_date", "category", "judgment_date", "effective_date",
                    "term_start", "term_end", "office_id", "level", "address"}


def error_of(response, status: int, code: str | None = None) -> dict:
    """Assert the contract's envelope and return its `error` object; people-facing text is Chinese."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert set(error) <= {"code", "message", "fields"}, error
    assert re.fullmatch(r"[a-z][a-z0-9_]*", error["code"]), error
    if code is not None:
        assert error["code"] == code, error
    assert CJK.search(error["message"]), error
    if "fields" in error:
        assert error["fields"], error
        for name, messages in error["fields"].items():
            assert isinstance(name, str) and isinstance(messages, list) and messages, error
            assert all(CJK.search(message) for message in messages), error
    return error


def fields_of(response, code: str = "validation_failed") -> dict[str, list[str]]:
    error = error_of(response, 422, code)
    assert "fields" in error, error
    return error["fields"]


def post_raw(client, path: str, data, headers: dict | None = None, content_type: str = "application/json"):
    return client.post(path, data=data, headers=headers or {}, content_type=content_type)


def headers_for(request, who: str | None) -> dict:
    """Headers of a logged-in `who`; the world (slow to build) only when someone must be logged in."""
    return request.getfixturevalue("world").h(who) if who else {}


# --- malformed and non-object bodies ------------------------------------------------------------------

BODY_ENDPOINTS = [("/api/v1/subjects", "officer_a1"), ("/api/v1/auth/token", None)]


@pytest.mark.parametrize("path, who", BODY_ENDPOINTS)
@pytest.mark.parametrize("data", [
    '{"name": ', "{bad}", "{'single': 'quotes'}", '{"a": 1,}', "   ", b'{"name": "\xff\xfe"}',
], ids=["truncated", "bare-word", "single-quotes", "trailing-comma", "whitespace-only", "invalid-utf8"])
def test_malformed_json_is_400(client, request, path, who, data):
    error = error_of(post_raw(client, path, data, headers_for(request, who)), 400, "malformed_json")
    assert "fields" not in error


def test_malformed_json_with_idempotency_key_is_400_and_not_remembered(client, world):
    headers = {**world.h("officer_a1"), "Idempotency-Key": "malformed-1"}
    error_of(post_raw(client, "/api/v1/subjects", "{bad", headers), 400, "malformed_json")
    retry = client.post("/api/v1/subjects", json=intake_body(world.units["office_a1"], 7), headers=headers)
    assert retry.status_code == 201, retry.get_json()


@pytest.mark.parametrize("path, who", BODY_ENDPOINTS)
@pytest.mark.parametrize("value", [[], [1, 2], "a string", 42, True, None], ids=repr)
def test_json_that_is_not_an_object_is_422(client, request, path, who, value):
    fields = fields_of(post_raw(client, path, json.dumps(value), headers_for(request, who)))
    assert fields == {"_schema": ["应为 JSON 对象。"]}


# --- wrong types, unknown and missing fields ----------------------------------------------------------------

def test_wrong_types_name_every_field(client, world):
    body = {**intake_body(world.units["office_a1"], 5, name=12, birth_date="1985-13-40"), "office_id": "abc"}
    fields = fields_of(client.post("/api/v1/subjects", json=body, headers=world.h("officer_a1")))
    assert fields == {"office_id": ["应为整数。"], "name": ["应为字符串。"], "birth_date": ["应为日期（YYYY-MM-DD）。"]}


@pytest.mark.parametrize("field, value", [
    ("office_id", "1"),  # strict integers: a numeric string is still a string
    ("office_id", 1.5),
    ("office_id", True),
    ("office_id", None),
    ("name", 12),
    ("name", ["测试"]),
    ("name", None),
    ("birth_date", "09/03/1985"),
    ("birth_date", "1985-02-30"),
    ("birth_date", 19850309),
    ("sex", "unknown"),
    ("category", "house_arrest"),
    ("level", 1),
    ("phone", 13800000000),
    ("home.lng", "east"),
    ("home.coord_type", "bd09"),
])
def test_wrong_type_or_choice_is_422_on_that_field(client, world, field, value):
    body = intake_body(world.units["office_a1"], 5)
    if field.startswith("home."):
        body["home"] = {**body["home"], field.split(".", 1)[1]: value}
    else:
        body[field] = value
    fields = fields_of(client.post("/api/v1/subjects", json=body, headers=world.h("officer_a1")))
    assert set(fields) == {field}


@pytest.mark.parametrize("value", ["39.05,121.72", [39.05, 121.72], 7])
def test_nested_field_that_is_not_an_object_is_named(client, world, value):
    body = intake_body(world.units["office_a1"], 5, home=value)
    fields = fields_of(client.post("/api/v1/subjects", json=body, headers=world.h("officer_a1")))
    assert set(fields) == {"home"}


@pytest.mark.parametrize("path, who, body, field", [
    ("/api/v1/subjects", "officer_a1", {"nickname": "小王"}, "nickname"),
    ("/api/v1/subjects", "officer_a1",
     {"home": {"lat": 39.05, "lng": 121.72, "coord_type": "wgs84", "alt": 3}},
     "home.alt"),
    ("/api/v1/auth/token", None, {"username": "admin", "password": PASSWORD, "remember_me": True},
     "remember_me"),
    ("/api/v1/units", "admin", {"kind": "county_agency", "code": "210299", "name": "新县", "region": "x"},
     "region"),
])
def test_unknown_field_is_422_and_named(client, request, path, who, body, field):
    if path == "/api/v1/subjects":
        body = {**intake_body(request.getfixturevalue("world").units["office_a1"], 5), **body}
    fields = fields_of(client.post(path, json=body, headers=headers_for(request, who)))
    assert fields == {field: ["未知字段。"]}


@pytest.mark.parametrize("path, who, required", [
    ("/api/v1/subjects", "officer_a1", SUBJECT_REQUIRED),
    ("/api/v1/auth/token", None, {"username", "password"}),
    ("/api/v1/units", "admin", {"kind", "code", "name"}),
    ("/api/v1/users", "admin", {"username", "password", "role", "name"}),
])
def test_missing_required_fields_are_each_listed(client, request, path, who, required):
    fields = fields_of(client.post(path, json={}, headers=headers_for(request, who)))
    assert fields == {name: ["此字段为必填项。"] for name in required}


@pytest.mark.parametrize("missing", ["name", "id_number", "term_end", "home.lat", "home.coord_type"])
def test_one_missing_field_is_named(client, world, missing):
    body = intake_body(world.units["office_a1"], 5)
    if missing.startswith("home."):
        del body["home"][missing.split(".", 1)[1]]
    else:
        del body[missing]
    fields = fields_of(client.post("/api/v1/subjects", json=body, headers=world.h("officer_a1")))
    assert fields == {missing: ["此字段为必填项。"]}


# --- out-of-range values and domain rule violations -----------------------------------------------------

@pytest.mark.parametrize("overrides, field", [
    ({"home": {"lat": 91, "lng": 121.72, "coord_type": "wgs84"}}, "home.lat"),
    ({"home": {"lat": -90.5, "lng": 121.72, "coord_type": "wgs84"}}, "home.lat"),
    ({"home": {"lat": 39.05, "lng": 180.01, "coord_type": "wgs84"}}, "home.lng"),
    ({"office_id": 0}, "office_id"),
    ({"office_id": -1}, "office_id"),
    ({"office_id": 2**31}, "office_id"),
    ({"officer_id": 10**20}, "officer_id"),
    ({"name": ""}, "name"),
    ({"name": "名" * 51}, "name"),
    ({"id_number": "21021319850309011"}, "id_number"),
    ({"phone": "call me"}, "phone"),
])
def test_out_of_range_body_values_are_422(client, world, overrides, field):
    body = {**intake_body(world.units["office_a1"], 5), **overrides}
    fields = fields_of(client.post("/api/v1/subjects", json=body, headers=world.h("officer_a1")))
    assert set(fields) == {field}


def test_latitude_nan_is_422(client, world):
    body = json.dumps(intake_body(world.units["office_a1"], 5)).replace('"lat": 39.05', '"lat": NaN')
    assert "NaN" in body
    fields = fields_of(post_raw(client, "/api/v1/subjects", body, world.h("officer_a1")))
    assert set(fields) == {"home.lat"}


@pytest.mark.parametrize("query, field", [
    ("per_page=1000", "per_page"), ("per_page=0", "per_page"), ("per_page=101", "per_page"),
    ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"),
    ("office_id=0", "office_id"), ("office_id=99999999999", "office_id"), ("status=lost", "status"),
])
def test_out_of_range_query_values_are_422(client, world, query, field):
    fields = fields_of(client.get(f"/api/v1/subjects?{query}", headers=world.h("officer_a1")))
    assert set(fields) == {field}


def test_largest_page_size_is_accepted(client, world):
    response = client.get("/api/v1/subjects?per_page=100&page=1", headers=world.h("officer_a1"))
    assert response.status_code == 200
    assert response.get_json()["per_page"] == 100


def _bad_check_character(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


@pytest.mark.parametrize("overrides, field, message", [
    ({"term_start": "2026-11-20", "term_end": "2026-12-19"}, "term_end", "该矫正类别的期限不得少于2个月。"),
    ({"term_start": "2026-11-20", "term_end": "2026-11-19"}, "term_end", "矫正期满日期必须晚于起始日期。"),
    ({"id_number": _bad_check_character(id_number(serial=5))}, "id_number", "身份证号码校验位不正确。"),
    ({"birth_date": "1985-03-10"}, "birth_date", "出生日期与身份证号码不一致。"),
    ({"sex": "female"}, "sex", "性别与身份证号码不一致。"),
    ({"effective_date": "2026-11-01"}, "effective_date", "生效日期不能早于判决（决定）日期。"),
])
def test_intake_rule_violations_are_422_on_the_field(client, world, overrides, field, message):
    body = intake_body(world.units["office_a1"], 5, **overrides)
    if "id_number" in overrides:  # the bad ID number still encodes intake_body's birth date
        body["birth_date"] = "1990-05-17"
    fields = fields_of(client.post("/api/v1/subjects", json=body, headers=world.h("officer_a1")),
                       code="invalid_value")
    assert fields == {field: [message]}


@pytest.mark.parametrize("office", ["office_b1", "county_a"])
def test_office_outside_scope_or_not_an_office_is_422(client, world, office):
    body = intake_body(world.units[office], 5)
    response = client.post("/api/v1/subjects", json=body, headers=world.h("officer_a1"))
    fields = fields_of(response, "invalid_value")
    assert set(fields) == {"office_id"}


# --- body size ----------------------------------------------------------------------------------------------

def test_max_content_length_is_one_mib(app):
    assert app.config["MAX_CONTENT_LENGTH"] == MIB


@pytest.mark.parametrize("path, who, extra", [
    ("/api/v1/subjects", "officer_a1", {}),
    ("/api/v1/subjects", "officer_a1", {"Idempotency-Key": "big-1"}),
    ("/api/v1/auth/token", None, {}),
    ("/api/v1/units", "admin", {}),
])
def test_body_over_the_limit_is_413(client, request, path, who, extra):
    data = json.dumps({"name": "x" * (MIB + 1)})
    assert len(data) > MIB
    response = post_raw(client, path, data, {**headers_for(request, who), **extra})
    error = error_of(response, 413, "payload_too_large")
    assert "fields" not in error


def test_body_of_exactly_the_limit_is_read(client):
    head, tail = '{"username": "', '", "password": "x"}'
    data = head + "u" * (MIB - len(head) - len(tail)) + tail
    assert len(data.encode()) == MIB
    fields = fields_of(post_raw(client, "/api/v1/auth/token", data))
    assert set(fields) == {"username"}  # parsed, then too long for the field


@pytest.mark.parametrize("data", [
    json.dumps({"username": "x" * (2 * MIB), "password": "y"}).encode(),
    b'{"username": "admin", "password": "wrong-password"}' + b" " * (2 * MIB),
], ids=["truncated-garbage", "valid-prefix"])
def test_chunked_body_over_the_limit_is_413(client, data):
    response = client.post("/api/v1/auth/token", input_stream=io.BytesIO(data),
                           headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
                           environ_overrides={"wsgi.input_terminated": True})
    error_of(response, 413, "payload_too_large")


@pytest.mark.parametrize("data", [
    "[" * 100_000 + "]" * 100_000,
    '{"username": ' + "9" * 5000 + ', "password": "x"}',
], ids=["deeply-nested", "huge-integer"])
def test_json_the_parser_cannot_handle_is_400_not_500(app, client, data):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    error_of(post_raw(client, "/api/v1/auth/token", data), 400, "malformed_json")


# --- routing: 404 and 405 -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/api/v1/nope", "/api/v1/subjects/1/nope", "/api/v1/subjects/", "/api/v2/subjects",
    "/api/v1/subjects/abc",
    "/nope", "/", "/static/app.js", "/api/v1/docs/assets/no-such-file.js",
])
@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_unknown_path_is_404_json(client, path, accept):
    response = client.get(path, headers={"Accept": accept})
    error_of(response, 404, "not_found")
    assert b"<html" not in response.get_data().lower()


@pytest.mark.parametrize("who, path", [
    ("officer_a1", "/api/v1/subjects/99999999999"),
    ("officer_a1", "/api/v1/subjects/2147483648"),
    ("officer_a1", "/api/v1/subjects/99999999999/history"),
    ("officer_a1", "/api/v1/subjects/0"),
    ("admin", "/api/v1/units/99999999999"),
    ("admin", "/api/v1/users/99999999999"),
])
def test_path_id_beyond_32_bits_is_404_not_500(client, world, who, path):
    error_of(client.get(path, headers=world.h(who)), 404, "not_found")


@pytest.mark.parametrize("who, path, code", [
    ("officer_a1", "/api/v1/subjects/2147483647", "subject_not_found"),
    ("admin", "/api/v1/units/2147483647", "unit_not_found"),
    ("admin", "/api/v1/users/2147483647", "user_not_found"),
])
def test_largest_path_id_is_a_plain_404(client, world, who, path, code):
    error_of(client.get(path, headers=world.h(who)), 404, code)


@pytest.mark.parametrize("method, path, allowed", [
    ("DELETE", "/api/v1/subjects", {"GET", "POST"}),
    ("PUT", "/api/v1/subjects/1", {"GET", "PATCH"}),
    ("GET", "/api/v1/subjects/1/release", {"POST"}),
    ("PUT", "/api/v1/auth/token", {"POST"}),
    ("GET", "/api/v1/auth/token", {"POST"}),
    ("POST", "/healthz", {"GET"}),
    ("POST", "/api/v1/openapi.json", {"GET"}),
])
def test_wrong_method_is_405_with_allow(client, method, path, allowed):
    response = client.open(path, method=method, json={})
    error_of(response, 405, "method_not_allowed")
    listed = {part.strip() for part in response.headers.get("Allow", "").split(",") if part.strip()}
    assert allowed <= listed
    assert method not in listed
    assert listed <= allowed | {"HEAD", "OPTIONS"}


# --- 401 and 403 keep the envelope --------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, bearer("not-a-token"), {"Authorization": "Basic YWRtaW46eA=="}])
def test_missing_or_bad_token_is_401_envelope(client, headers):
    error_of(client.get("/api/v1/subjects", headers=headers), 401, "unauthorized")


def test_wrong_role_is_403_envelope(client, world):
    error_of(client.post("/api/v1/subjects", json=intake_body(world.units["office_a1"], 5),
                         headers=world.h("inspector_a")), 403)


# --- the catch-all 500 --------------------------------------------------------------------------------------

SECRET = "secret detail 210213199001011234"


def _raise_runtime_error():
    raise RuntimeError(SECRET)


def _raise_key_error():
    return {}[SECRET]


def _abort_with_detail():
    abort(500, description=SECRET)


def _abort_unavailable():
    abort(503, description=SECRET)


@pytest.fixture
def failing_app(app):
    """The test app plus failing routes, added before its first request; exceptions handled, not raised."""
    views = (("runtime", _raise_runtime_error), ("key", _raise_key_error), ("abort", _abort_with_detail),
             ("unavailable", _abort_unavailable))
    for name, view in views:
        app.add_url_rule(f"/api/v1/_test/{name}", f"test_{name}", view)
        app.add_url_rule(f"/_test/{name}", f"test_outside_{name}", view)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize("prefix", ["/api/v1", ""])
@pytest.mark.parametrize("name, exception", [("runtime", RuntimeError), ("key", KeyError), ("abort", None)])
def test_unhandled_exception_is_a_bare_500(failing_app, caplog, prefix, name, exception):
    with caplog.at_level(logging.ERROR):
        response = failing_app.test_client().get(f"{prefix}/_test/{name}")
    error = error_of(response, 500, "internal_error")
    assert "fields" not in error
    text = response.get_data(as_text=True)
    for leak in ("secret", "210213199001011234", "Traceback", "RuntimeError", "KeyError", "_test"):
        assert leak not in text
    if exception is not None:
        logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is exception]
        assert logged and all(r.levelno >= logging.ERROR for r in logged)
        assert "secret detail [id-number]" in caplog.text and "Traceback" in caplog.text
        assert "210213199001011234" not in caplog.text  # the exception's text is logged with personal data redacted


def test_other_5xx_keep_their_status_without_detail(failing_app):
    response = failing_app.test_client().get("/api/v1/_test/unavailable")
    error_of(response, 503, "service_unavailable")
    assert SECRET not in response.get_data(as_text=True)


# --- domain errors ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, office", [("officer_a1", "office_a1"), ("county_a", "office_a2"),
                                         ("officer_b1", "office_b1")])
def test_duplicate_intake_is_409(client, world, who, office):
    """Subject A1 was taken in with serial 1; the same person again, anywhere in the deployment, conflicts."""
    response = client.post("/api/v1/subjects", json=intake_body(world.units[office], 1, name="对象A1"),
                           headers=world.h(who))
    error = error_of(response, 409, "already_under_correction")
    assert "fields" not in error
    listed = client.get("/api/v1/subjects?per_page=100", headers=world.h(who)).get_json()
    assert listed["total"] == 1  # nothing new in the caller's scope


@pytest.mark.parametrize("body", [
    {"kind": "county_agency", "code": "210213", "name": "重复县"},
    {"kind": "judicial_office", "code": "210213-01", "name": "重复所", "parent_key": "county_a"},
    {"kind": "procuratorate", "code": "210214-P", "name": "重复院", "supervises_key": "county_b"},
])
def test_unit_code_taken_is_409(client, world, body):
    body = dict(body)
    if "parent_key" in body:
        body["parent_id"] = world.units[body.pop("parent_key")]
    if "supervises_key" in body:
        body["supervises_id"] = world.units[body.pop("supervises_key")]
    before = client.get("/api/v1/units?per_page=100", headers=world.h("admin")).get_json()["total"]
    error_of(client.post("/api/v1/units", json=body, headers=world.h("admin")), 409, "unit_code_taken")
    assert client.get("/api/v1/units?per_page=100", headers=world.h("admin")).get_json()["total"] == before


def test_username_taken_is_409(client, world):
    body = {"username": "officer_a1", "password": PASSWORD, "role": "officer", "name": "重名",
            "unit_id": world.units["office_a1"]}
    error_of(client.post("/api/v1/users", json=body, headers=world.h("admin")), 409, "username_taken")


@pytest.mark.parametrize("unit", [None, "office_a1"])
def test_creating_a_supervisee_user_is_422(client, world, unit):
    body = {"username": "supervisee1", "password": PASSWORD, "role": Role.supervisee.value, "name": "对象",
            "unit_id": world.units.get(unit)}
    fields = fields_of(client.post("/api/v1/users", json=body, headers=world.h("admin")), code="invalid_role")
    assert set(fields) == {"role"}
    users = client.get("/api/v1/users?per_page=100", headers=world.h("admin")).get_json()["items"]
    assert "supervisee1" not in {user["username"] for user in users}
