"""Role and scope on every route, generated from the app's URL map: a new route without an entry fails here.

Another unit's record answers 404 (never revealing that it exists); an inspector gets 403 on every write.
"""

import pytest

from tests.factories import add_resettlement_officers, investigation_body, notice_body

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
    ("POST", "/api/v1/subjects/<subject_id>/export"): "tests/api/test_subject_export.py (county officers, admins)",
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
           "relocation_id": 1, "alert_id": 1, "notification_id": 1, "inspection_id": 1, "finding_id": 1,
           "investigation_id": 1, "person_id": 1, "risk_id": 1}
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


# Every route on one investigation (调查评估) of office A1, with a body that passes validation.
INVESTIGATION_ROUTES = {
    ("GET", "/api/v1/investigations/<investigation_id>"): None,
    ("PATCH", "/api/v1/investigations/<investigation_id>"): {"residence": "自有住房"},
    ("POST", "/api/v1/investigations/<investigation_id>/extensions"): {
        "new_due_on": "2026-12-31", "agreed_with": "承办法官", "reason": "被害人外地"},
    ("POST", "/api/v1/investigations/<investigation_id>/opinion"): {"suitable": True, "opinion": "适宜"},
    ("POST", "/api/v1/investigations/<investigation_id>/approve"): {"sent_on": "2026-11-26"},
    ("POST", "/api/v1/investigations/<investigation_id>/return"): {"note": "补充调查"},
    ("POST", "/api/v1/investigations/<investigation_id>/outcome"): {"adopted": True, "outcome_on": "2026-11-26"},
}
# The county agency's own steps: an office's officer gets 403 before any lookup, whichever office.
COUNTY_ONLY = {("POST", "/api/v1/investigations/<investigation_id>/approve"),
               ("POST", "/api/v1/investigations/<investigation_id>/return")}


def test_every_investigation_route_is_in_the_table(app):
    found = {(m, normalized(r)) for m, r in api_routes(app) if "<investigation_id>" in normalized(r)}
    assert found == set(INVESTIGATION_ROUTES)


@pytest.mark.parametrize("method, path", sorted(INVESTIGATION_ROUTES))
def test_investigation_route_scope(client, world, frozen, method, path):
    created = client.post("/api/v1/investigations", json=investigation_body(world.units["office_a1"], 5),
                          headers=world.h("officer_a1"))
    assert created.status_code == 201, created.get_json()
    url = path.replace("<investigation_id>", str(created.get_json()["id"]))
    body = INVESTIGATION_ROUTES[(method, path)]

    def call(who):
        return client.open(url, method=method, json=body, headers=world.h(who))

    def denied(who) -> bool:
        return (who.startswith("inspector") and method in WRITES) or (
            who.startswith("officer") and (method, path) in COUNTY_ONLY)

    for who in OUTSIDERS:
        assert call(who).status_code == (403 if denied(who) else 404), who
    assert call("admin").status_code == 403
    assert call("inspector_a").status_code == (403 if method in WRITES else 200)
    for who in OWNERS:  # a write the case's state does not allow yet is a 409 or 422, never a scope answer
        response = call(who)
        assert response.status_code in ((403,) if denied(who) else (200, 201, 409, 422)), (who, response.get_json())


# Every route on one person of the resettlement register (安置帮教) in office A1.
REGISTER_ROUTES = {
    ("GET", "/api/v1/resettlement/persons/<person_id>"): None,
    ("PATCH", "/api/v1/resettlement/persons/<person_id>"): {"category": "general", "reason": "表现稳定"},
    ("POST", "/api/v1/resettlement/persons/<person_id>/handover"): {
        "released_on": "2026-11-26", "received_at": "2026-11-26T09:00:00+08:00", "received_by": "司法所干警",
        "place": "大连监狱门口"},
    ("POST", "/api/v1/resettlement/persons/<person_id>/consent"): {"given": True, "on": "2026-11-26"},
    ("POST", "/api/v1/resettlement/persons/<person_id>/close"): {"closed_on": "2026-11-26", "reason": "迁出本县"},
    ("GET", "/api/v1/resettlement/persons/<person_id>/records"): None,
    ("POST", "/api/v1/resettlement/persons/<person_id>/records"): {
        "kind": "contact", "occurred_on": "2026-11-26", "note": "电话联系"},
    ("GET", "/api/v1/resettlement/persons/<person_id>/risks"): None,
    ("POST", "/api/v1/resettlement/persons/<person_id>/risks"): {
        "kind": "address_unknown", "note": "联系不上", "noted_on": "2026-11-26"},
    ("POST", "/api/v1/resettlement/persons/<person_id>/risks/<risk_id>/resolve"): {
        "resolved_on": "2026-11-26", "resolution": "已找到"},
}
REGISTER_OUTSIDERS = ("resettle_b1",)  # the role, another county: 404
WITHOUT_THE_ROLE = ("officer_a1", "county_a", "officer_b1", "inspector_a", "admin")  # 403, whatever the unit


def test_every_register_route_is_in_the_table(app):
    found = {(m, normalized(r)) for m, r in api_routes(app) if "<person_id>" in normalized(r)}
    assert found == set(REGISTER_ROUTES)


@pytest.mark.parametrize("method, path", sorted(REGISTER_ROUTES))
def test_register_route_scope(app, client, world, frozen, method, path):
    add_resettlement_officers(app, world)
    created = client.post("/api/v1/resettlement/persons", json=notice_body(world.units["office_a1"]),
                          headers=world.h("resettle_a1"))
    assert created.status_code == 201, created.get_json()
    url = path.replace("<person_id>", str(created.get_json()["id"])).replace("<risk_id>", "1")
    body = REGISTER_ROUTES[(method, path)]

    def call(who):
        return client.open(url, method=method, json=body, headers=world.h(who))

    for who in REGISTER_OUTSIDERS:
        assert call(who).status_code == 404, who
    for who in WITHOUT_THE_ROLE:
        response = call(who)
        assert response.status_code == 403, (who, response.get_json())
        expected = "read_only" if who.startswith("inspector") and method in WRITES else None
        assert response.get_json()["error"]["code"] in (expected, "resettlement_role_required", "forbidden"), who
    for who in ("resettle_a1", "resettle_a"):
        response = call(who)
        assert response.status_code in (200, 201, 404, 409, 422), (who, response.get_json())
        assert response.status_code != 404 or "<risk_id>" in path, (who, response.get_json())
