"""The OpenAPI description, the self-hosted interactive docs and the health check."""

import re

import pytest
from openapi_spec_validator import validate

SPEC_URL = "/api/v1/openapi.json"
DOCS_URL = "/api/v1/docs"
ASSETS = "/api/v1/docs/assets/"
NOT_DOCUMENTED = {"api-docs.openapi_json", "api-docs.openapi_swagger_ui", "docs_assets"}
ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def spec(client) -> dict:
    response = client.get(SPEC_URL)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def openapi_path(rule: str) -> str:
    """Flask's `/subjects/<int(min=1):subject_id>` as OpenAPI's `/subjects/{subject_id}`."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def api_operations(app) -> set[tuple[str, str]]:
    """(OpenAPI path, lower-case method) of every route of the app under /api/v1, docs routes excepted."""
    return {(openapi_path(rule.rule), method.lower())
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/v1/") and rule.endpoint not in NOT_DOCUMENTED
            for method in rule.methods - IGNORED_METHODS}


def spec_operations(spec: dict) -> dict[tuple[str, str], dict]:
    return {(path, method): operation for path, item in spec["paths"].items()
            for method, operation in item.items() if method != "parameters"}


def resolve(spec: dict, node: dict) -> dict:
    """Follow local `$ref`s (`#/components/...`) to the node they name."""
    while "$ref" in node:
        assert node["$ref"].startswith("#/"), node
        target = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def test_spec_is_a_valid_openapi_3_document(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"] == "v1"


def test_openapi_path_conversion():
    assert openapi_path("/api/v1/subjects/<int(min=1, max=2147483647):subject_id>/history") == \
        "/api/v1/subjects/{subject_id}/history"
    assert openapi_path("/api/v1/docs/assets/<path:filename>") == "/api/v1/docs/assets/{filename}"
    assert openapi_path("/api/v1/x/<name>") == "/api/v1/x/{name}"


def test_every_api_route_is_documented(app, spec):
    routes = api_operations(app)
    assert ("/api/v1/subjects", "post") in routes and ("/api/v1/auth/token", "post") in routes
    documented = set(spec_operations(spec))
    assert routes - documented == set(), "routes missing from the OpenAPI description"
    assert documented - routes == set(), "documented operations without a route"


def test_path_parameters_are_bounded_ids(spec):
    params = [param for item in spec["paths"].values() for param in item.get("parameters", [])
              if param["in"] == "path"]
    assert params
    for param in params:
        assert param["required"] is True
        assert param["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, param


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_operations_that_need_a_token_declare_bearer_auth(client, spec):
    """Call every documented operation without a token: the 401s declare bearerAuth, the others do not."""
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    guarded, open_ = set(), set()
    for (path, method), operation in spec_operations(spec).items():
        response = client.open(_concrete(path), method=method.upper())
        needs_token = response.status_code == 401
        (guarded if needs_token else open_).add((path, method))
        declared = {name for requirement in operation.get("security", []) for name in requirement}
        assert ("bearerAuth" in declared) == needs_token, (path, method, response.status_code, declared)
    assert ("/api/v1/me", "get") in guarded and ("/api/v1/subjects", "post") in guarded
    assert open_ == {("/api/v1/auth/token", "post"), ("/api/v1/auth/wx-login", "post"),
                     ("/api/v1/auth/wx-bind", "post")}


def test_components_describe_the_error_envelope(spec):
    schemas = spec["components"]["schemas"]
    envelope = schemas["ErrorEnvelope"]
    assert envelope["required"] == ["error"]
    body = resolve(spec, envelope["properties"]["error"])
    assert set(body["required"]) == {"code", "message"}
    assert set(body["properties"]) == {"code", "message", "fields"}
    per_field = body["properties"]["fields"]["additionalProperties"]
    assert per_field == {"type": "array", "items": {"type": "string"}}


def test_error_responses_use_the_envelope(spec):
    checked = 0
    for (path, method), operation in spec_operations(spec).items():
        statuses = set(operation["responses"])
        assert "default" in statuses, (path, method)
        for status, response in operation["responses"].items():
            if status == "default" or int(status) >= 400:
                content = resolve(spec, response)["content"]
                assert content["application/json"]["schema"] == {"$ref": ENVELOPE_REF}, (path, method, status)
                checked += 1
    assert checked >= len(spec_operations(spec))


def test_operations_with_a_body_document_the_422(spec):
    for (path, method), operation in spec_operations(spec).items():
        if "requestBody" in operation:
            assert "422" in operation["responses"], (path, method)


@pytest.mark.parametrize("path", [
    "/api/v1/subjects", "/api/v1/units", "/api/v1/users",
    "/api/v1/subjects/{subject_id}/report-in", "/api/v1/subjects/{subject_id}/release",
])
def test_idempotency_key_is_documented_on_creating_posts(spec, path):
    params = [p for p in spec["paths"][path]["post"].get("parameters", []) if p["name"] == "Idempotency-Key"]
    assert len(params) == 1
    assert params[0]["in"] == "header" and params[0]["required"] is False
    assert params[0]["schema"]["type"] == "string" and params[0]["description"]


def test_docs_page_is_self_hosted(client):
    response = client.get(DOCS_URL)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert ASSETS in html and SPEC_URL in html
    assert f'src="{ASSETS}swagger-ui-bundle.js"' in html
    outside = re.search(r"https?://|//cdn|unpkg|jsdelivr|cdnjs", html, re.IGNORECASE)
    assert outside is None, f"docs load from outside: {outside}"


def test_every_asset_the_docs_page_references_is_served(client):
    html = client.get(DOCS_URL).get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert f"{ASSETS}swagger-ui-bundle.js" in assets and len(assets) >= 3
    for url in assets:
        assert url.startswith(ASSETS), url
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert len(response.get_data()) > 1000, url


def test_swagger_ui_bundle_is_javascript(client):
    with client.get(f"{ASSETS}swagger-ui-bundle.js") as response:
        assert response.status_code == 200
        assert response.mimetype in {"text/javascript", "application/javascript"}
        assert b"SwaggerUIBundle" in response.get_data()


@pytest.mark.parametrize("path", [f"{ASSETS}../../../../etc/passwd", f"{ASSETS}%2e%2e/%2e%2e/etc/passwd"])
def test_docs_assets_do_not_escape_their_folder(client, path):
    with client.get(path) as response:
        assert response.status_code == 404
        assert b"root:" not in response.get_data()


def test_healthz_is_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
