"""Role and scope on every route, generated from the app's URL map: a new route without an entry fails here.

Another unit's record answers 404 (never revealing that it exists); an inspector gets 403 on every write.
"""

import pytest

PUBLIC = {"/api/v1/auth/token", "/api/v1/auth/wx-login", "/api/v1/auth/wx-bind"}
DOCS = {"/api/v1/openapi.json", "/api/v1/docs", "/api/v1/docs/assets/<path:filename>"}
WRITES = {"POST", "PATCH", "PUT", "DELETE"}

# Every route on one subject's file, with a body that passes validation (so scope, not syntax, decides).
SUBJECT_ROUTES = {
    ("GET", "/api/v1/subjects/<subject_id>"): None,
    ("PATCH", "/api/v1/subjects/<subject_id>"): {"phone": "13900000000", "reason": "更新联系方式"},
    ("POST", "/api/v1/subjects/<subject_id>/report-in"): {"date": "2026-11-26"},
    ("POST", "/api/v1/subjects/<subject_id>/release"): {"date": "2026-11-26", "type": "death"},
    ("POST", "/api/v1/subjects/<subject_id>/activation-code"): None,
    ("GET", "/api/v1/subjects/<subject_id>/history"): None,
    ("POST", "/api/v1/subjects/<subject_id>/activities"): {"kind": "talk", "occurred_on": "2026-11-26", "hours": 1},
    ("GET", "/api/v1/subjects/<subject_id>/activities"): None,
    ("POST", "/api/v1/subjects/<subject_id>/fast-track/suspend"): {"reason": "未按时销假"},
    ("POST", "/api/v1/subjects/<subject_id>/fast-track/restore"): {"reason": "整改完毕"},
    ("GET", "/api/v1/subjects/<subject_id>/checkins"): None,
    ("POST", "/api/v1/subjects/<subject_id>/spot-checks"): None,
}
# Routes on a subject's file with a policy of their own, tested where named.
OWN_POLICY = {
    ("GET", "/api/v1/subjects/<subject_id>/audit"): "tests/api/test_audit.py (inspectors, county officers, admins)",
}
# Writes on the caller's own inbox and browser: inspectors read their messages and get Web Push like officers.
OWN_ACCOUNT_WRITES = {("POST", "/api/v1/notifications/<notification_id>/read"),
                      ("POST", "/api/v1/push-subscriptions"), ("DELETE", "/api/v1/push-subscriptions")}
# The procuratorate's own write: its findings on an inspection list (tests/api/test_inspections.py).
INSPECTOR_WRITES = {("POST", "/api/v1/inspections/<inspection_id>/findings")}
INSPECTORS_MAY_WRITE = OWN_ACCOUNT_WRITES | INSPECTOR_WRITES
# Subject a1 belongs to office A1 in county A.
OUTSIDERS = ("officer_a2", "officer_b1", "county_b", "inspector_b")
OWNERS = ("officer_a1", "county_a")


def api_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.rule not in DOCS:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, rule


def normalized(rule) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<{rule._converters[name].__class__.__name__.removesuffix('Converter').lower()}",
                            "<").replace(f"<int(min=1, max=2147483647):{name}>", f"<{name}>")
    return path


def fill(path: str, world) -> str:
    ids = {"subject_id": world.subjects["a1"], "unit_id": world.units["office_a1"], "user_id": world.users["admin"],
           # these answer before any lookup of those ids
           "activity_id": 1, "upload_id": 1, "report_id": 1, "request_id": 1, "permit_id": 1,
           "relocation_id": 1, "alert_id": 1, "notification_id": 1, "inspection_id": 1, "finding_id": 1}
    for name, value in ids.items():
        path = path.replace(f"<{name}>", str(value))
    assert "<" not in path, f"no test id for {path}"
    return path


def test_every_subject_route_is_in_the_table(app):
    found = {(m, normalized(r)) for m, r in api_routes(app) if "<subject_id>" in normalized(r)}
    assert found == set(SUBJECT_ROUTES) | set(OWN_POLICY)


@pytest.mark.parametrize("method, path", sorted(SUBJECT_ROUTES))
def test_subject_route_scope(client, world, frozen, method, path):
    url, body = fill(path, world), SUBJECT_ROUTES[(method, path)]

    def call(who):
        return client.open(url, method=method, json=body, headers=world.h(who))

    for who in OUTSIDERS:
        response = call(who)
        expected = 403 if who.startswith("inspector") and method in WRITES else 404
        assert response.status_code == expected, (who, response.get_json())
    assert call("admin").status_code == 403
    if method in WRITES:
        denied = call("inspector_a")
        assert denied.status_code == 403 and denied.get_json()["error"]["code"] == "read_only"
    else:
        assert call("inspector_a").status_code == 200
    for who in OWNERS:
        response = call(who)
        assert response.status_code < 300 or response.status_code == 409, (who, response.get_json())


def test_inspectors_get_403_on_every_write(client, world, app):
    writes = [(m, r) for m, r in api_routes(app)
              if m in WRITES and r.rule not in PUBLIC and (m, normalized(r)) not in INSPECTORS_MAY_WRITE]
    assert len(writes) >= 7
    for method, rule in writes:
        url = fill(normalized(rule), world)
        for who in ("inspector_a", "inspector_b"):
            response = client.open(url, method=method, json={}, headers=world.h(who))
            assert response.status_code == 403, (method, url, who, response.get_json())
            assert response.get_json()["error"]["code"] == "read_only"


def test_every_non_public_route_needs_a_token(client, world, app):
    for method, rule in api_routes(app):
        if rule.rule not in PUBLIC:
            response = client.open(fill(normalized(rule), world), method=method, json={})
            assert response.status_code == 401, (method, rule.rule)


def test_lists_show_only_the_scope(client, world):
    def names(who):
        return {s["name"] for s in client.get("/api/v1/subjects", headers=world.h(who)).get_json()["items"]}

    assert names("officer_a1") == {"对象A1"}
    assert names("officer_a2") == set()
    assert names("county_a") == {"对象A1"}
    assert names("inspector_a") == {"对象A1"}
    assert names("county_b") == names("officer_b1") == names("inspector_b") == {"对象B1"}


def test_an_office_filter_cannot_widen_the_scope(client, world):
    response = client.get("/api/v1/subjects", query_string={"office_id": world.units["office_b1"]},
                          headers=world.h("officer_a1"))
    assert response.get_json()["total"] == 0
