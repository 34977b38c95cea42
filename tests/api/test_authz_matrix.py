"""The authorization matrix: every operation of the OpenAPI description × every caller × own and foreign records.

The expectations come from ROUTES, keyed by method and path, so a new route without an entry fails here. A path
parameter is filled with the id of a real record of office A1 ("a") and of office B1 ("b"). Zero leaks: another
unit's record is a 404 exactly like an id that does not exist, a role the route does not serve a 403, no token a 401,
and no answer that lets a caller through names a subject outside its scope. One world per module, built once.
"""

import re
from collections.abc import Callable
from typing import NamedTuple

import pytest

from tests.api import authz_policies as p
from tests.api.authz_world import CALLERS, MISSING_ID, build_records
from tests.api.test_scope import INVESTIGATION_ROUTES, REGISTER_ROUTES, SUBJECT_ROUTES
from tests.apps import at, isolated_app
from tests.factories import notice_body


class Route(NamedTuple):
    policy: object
    body: dict | Callable[[dict], dict] | None = None  # a callable makes it from office A1's ids
    ids: dict | None = None  # path parameter → the key of Records.ids that fills it, where the names differ


def _from_scope_table(table: dict, policy) -> dict:
    """test_scope's bodies (which pass validation, so scope decides) under OpenAPI paths."""
    return {f"{method} {path.replace('<', '{').replace('>', '}')}": Route(policy, body)
            for (method, path), body in table.items()}


STAFF_INBOX = {"notification_id": "staff_notification_id"}
ROUTES = {
    "POST /api/v1/auth/token": Route(p.public, {}),
    "POST /api/v1/auth/wx-login": Route(p.public, {}),
    "POST /api/v1/auth/wx-bind": Route(p.public, {}),
    "GET /api/v1/units": Route(p.admin_only),
    "POST /api/v1/units": Route(p.admin_only, {}),
    "GET /api/v1/units/{unit_id}": Route(p.admin_only),
    "GET /api/v1/users": Route(p.admin_only),
    "POST /api/v1/users": Route(p.admin_only, {}),
    "GET /api/v1/users/{user_id}": Route(p.admin_only),
    "GET /api/v1/subjects": Route(p.staff_read),
    "POST /api/v1/subjects": Route(p.officer_write, {}),
    **_from_scope_table(SUBJECT_ROUTES, p.officer_write),
    "GET /api/v1/subjects/{subject_id}": Route(p.staff_read),
    "GET /api/v1/subjects/{subject_id}/history": Route(p.staff_read),
    "GET /api/v1/subjects/{subject_id}/activities": Route(p.staff_read),
    "GET /api/v1/subjects/{subject_id}/checkins": Route(p.staff_read),
    "GET /api/v1/subjects/{subject_id}/audit": Route(p.audit_read),
    "POST /api/v1/subjects/{subject_id}/export": Route(p.county_or_admin_write, {"reason": "法院调取函"}),
    "GET /api/v1/me": Route(p.supervisee),
    "POST /api/v1/me/reports": Route(p.supervisee, {}),
    "GET /api/v1/me/reports": Route(p.supervisee),
    "GET /api/v1/me/obligations": Route(p.supervisee),
    "GET /api/v1/reports": Route(p.staff_read),
    "POST /api/v1/reports/{report_id}/review": Route(p.officer_write, {"comment": "已阅"}),
    "GET /api/v1/obligations/overdue": Route(p.staff_read),
    "GET /api/v1/me/activities": Route(p.supervisee),
    "POST /api/v1/me/activities": Route(p.supervisee, {}),
    "POST /api/v1/activities/{activity_id}/confirm": Route(p.officer_write, {"note": "属实"}),
    "POST /api/v1/activities/{activity_id}/reject": Route(p.officer_write, {"note": "不属实"}),
    "POST /api/v1/me/uploads": Route(p.supervisee, {}),
    "GET /api/v1/uploads/{upload_id}": Route(p.staff_read),
    "POST /api/v1/me/leave-requests": Route(p.supervisee, {}),
    "GET /api/v1/me/leave-requests": Route(p.supervisee),
    "POST /api/v1/me/leave-requests/{request_id}/cancel": Route(p.supervisee, {}),
    "POST /api/v1/me/leave-requests/{request_id}/depart": Route(p.supervisee, {}),
    "POST /api/v1/me/leave-requests/{request_id}/return": Route(p.supervisee, {
        "location": {"lat": 39.05, "lng": 121.72, "coord_type": "wgs84"}}),
    "POST /api/v1/me/leave-requests/{request_id}/extension": Route(p.supervisee, {
        "end_date": "2026-12-06", "reason": "病情未愈"}),
    "GET /api/v1/leave-requests": Route(p.staff_read),
    "GET /api/v1/leave-requests/{request_id}": Route(p.staff_read),
    "POST /api/v1/leave-requests/{request_id}/approve": Route(p.officer_write, {"opinion": "同意"}),
    "POST /api/v1/leave-requests/{request_id}/reject": Route(p.officer_write, {"opinion": "理由不充分"}),
    "GET /api/v1/leave-requests/overdue-returns": Route(p.staff_read),
    "GET /api/v1/leave-requests/monthly": Route(p.staff_read),
    "GET /api/v1/leave-requests/monthly/export": Route(p.staff_read),
    "GET /api/v1/leave-requests/fast-track-stats": Route(p.staff_read),
    "POST /api/v1/me/travel-permits": Route(p.supervisee, {}),
    "GET /api/v1/me/travel-permits": Route(p.supervisee),
    "POST /api/v1/me/travel-permits/{permit_id}/cancel": Route(p.supervisee, {}),
    "POST /api/v1/me/travel-permits/{permit_id}/trips": Route(p.supervisee, {
        "city_code": "210100", "depart_date": "2026-12-05", "return_date": "2026-12-07"}),
    "GET /api/v1/travel-permits": Route(p.staff_read),
    "POST /api/v1/travel-permits/{permit_id}/approve": Route(p.county_decides, {"opinion": "同意"}),
    "POST /api/v1/travel-permits/{permit_id}/reject": Route(p.county_decides, {"opinion": "理由不充分"}),
    "POST /api/v1/travel-permits/{permit_id}/revoke": Route(p.county_decides, {"reason": "未按规定报告"}),
    "POST /api/v1/me/relocation-requests": Route(p.supervisee, {}),
    "GET /api/v1/me/relocation-requests": Route(p.supervisee),
    "GET /api/v1/relocation-requests": Route(p.staff_read),
    "GET /api/v1/relocation-requests/{relocation_id}": Route(p.staff_read),
    "POST /api/v1/relocation-requests/{relocation_id}/opinion": Route(p.office_write, {"opinion": "同意迁居"}),
    "POST /api/v1/relocation-requests/{relocation_id}/consult": Route(p.county_write, {"sent_on": "2026-11-26"}),
    "POST /api/v1/relocation-requests/{relocation_id}/consult-reply": Route(p.county_write, {
        "reply_on": "2026-11-26", "agreed": True}),
    "POST /api/v1/relocation-requests/{relocation_id}/approve": Route(p.county_write, {"opinion": "同意"}),
    "POST /api/v1/relocation-requests/{relocation_id}/reject": Route(p.county_write, {"opinion": "不同意"}),
    "POST /api/v1/relocation-requests/{relocation_id}/handover": Route(p.county_write, {
        "handed_over_on": "2026-11-26"}),
    "POST /api/v1/relocation-requests/{relocation_id}/reported": Route(p.officer_write, {
        "reported_on": "2026-11-26"}),
    "GET /api/v1/alerts": Route(p.staff_read),
    "GET /api/v1/alerts/{alert_id}": Route(p.staff_read),
    "POST /api/v1/alerts/{alert_id}/acknowledge": Route(p.officer_write, {}),
    "POST /api/v1/alerts/{alert_id}/resolve": Route(p.officer_write, {"disposition": "excused", "note": "经核实"}),
    "POST /api/v1/alerts/{alert_id}/contest-answer": Route(p.officer_write, {"answer": "维持"}),
    "GET /api/v1/me/alerts": Route(p.supervisee),
    "GET /api/v1/me/alerts/{alert_id}": Route(p.supervisee),
    "POST /api/v1/me/alerts/{alert_id}/contest": Route(p.supervisee, {"explanation": "手机没电"}),
    "GET /api/v1/me/notifications": Route(p.supervisee),
    "POST /api/v1/me/notifications/{notification_id}/read": Route(p.supervisee, {}),
    "GET /api/v1/notifications": Route(p.staff_account),
    "POST /api/v1/notifications/{notification_id}/read": Route(p.staff_account, {}, STAFF_INBOX),
    "GET /api/v1/push/vapid-public-key": Route(p.staff_account),
    "POST /api/v1/push-subscriptions": Route(p.staff_account, {}),
    "DELETE /api/v1/push-subscriptions": Route(p.staff_account, {}),
    "POST /api/v1/me/wechat-consents": Route(p.supervisee, {}),
    "POST /api/v1/me/checkins": Route(p.supervisee, {}),
    "POST /api/v1/me/checkins/batch": Route(p.supervisee, {}),
    "GET /api/v1/me/spot-checks": Route(p.supervisee),
    "GET /api/v1/checkins/latest": Route(p.staff_read),
    "GET /api/v1/location-signals": Route(p.staff_read),
    "GET /api/v1/inspections": Route(p.inspection_read),
    "POST /api/v1/inspections": Route(p.county_or_admin_write, {"quarter": "2026Q3"}),
    "GET /api/v1/inspections/{inspection_id}": Route(p.inspection_read),
    "GET /api/v1/inspections/{inspection_id}/export": Route(p.inspection_read),
    "POST /api/v1/inspections/{inspection_id}/findings": Route(p.inspector_write, {
        "kind": "procuratorial_suggestion", "text": "加强教育。"}),
    "GET /api/v1/inspections/{inspection_id}/findings": Route(p.inspection_read),
    "GET /api/v1/findings": Route(p.inspection_read),
    "GET /api/v1/findings/{finding_id}": Route(p.inspection_read),
    "POST /api/v1/findings/{finding_id}/rectify": Route(p.county_write, {
        "rectified_on": "2026-11-26", "rectification": "已建立提醒机制"}),
    "GET /api/v1/stats": Route(p.staff_account),
    "GET /api/v1/investigations": Route(p.staff_read),
    "POST /api/v1/investigations": Route(p.officer_write, {}),
    "GET /api/v1/investigations/export": Route(p.staff_read),
    **_from_scope_table(INVESTIGATION_ROUTES, p.officer_write),
    "GET /api/v1/investigations/{investigation_id}": Route(p.staff_read),
    "POST /api/v1/investigations/{investigation_id}/approve": Route(p.county_write, {"sent_on": "2026-11-26"}),
    "POST /api/v1/investigations/{investigation_id}/return": Route(p.county_write, {"note": "补充调查"}),
    "GET /api/v1/resettlement/persons": Route(p.resettlement),
    "POST /api/v1/resettlement/persons": Route(p.resettlement, lambda ids: notice_body(ids["unit_id"], 90)),
    "GET /api/v1/resettlement/export": Route(p.resettlement),
    **_from_scope_table(REGISTER_ROUTES, p.resettlement),
    "GET /api/v1/me/assistance": Route(p.not_in_register),
}
# Run last, in this order: they end a file or move it to another county, which would change later answers.
LAST = ("POST /api/v1/relocation-requests/{relocation_id}/approve",
        "POST /api/v1/relocation-requests/{relocation_id}/handover",
        "POST /api/v1/relocation-requests/{relocation_id}/reported",
        "POST /api/v1/subjects/{subject_id}/release")
ORDER = sorted(set(ROUTES) - set(LAST)) + list(LAST)


@pytest.fixture(scope="module")
def matrix(database_url, tmp_path_factory):
    """The app and the records, shared by every test of this module (writes only ever move the records forward)."""
    with isolated_app(database_url, UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads"))) as app:
        records = build_records(app)
        with at(2026, 11, 26):
            yield app, records


def spec_operations(app) -> set[str]:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    return {f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item
            if method != "parameters"}


def test_every_operation_has_an_entry(matrix):
    app, _ = matrix
    assert spec_operations(app) == set(ROUTES)


def _url(path: str, route: Route, ids: dict[str, int] | None) -> str:
    """The path with each parameter filled from `ids`, or with an id no record has (None)."""
    for name in re.findall(r"{([^}]+)}", path):
        value = MISSING_ID if ids is None else ids[(route.ids or {}).get(name, name)]
        path = path.replace(f"{{{name}}}", str(value))
    return path


def _answer(response) -> tuple[int, str | None]:
    body = response.get_json(silent=True) if response.mimetype == "application/json" else None
    if response.status_code >= 400:
        assert body is not None and set(body) == {"error"} and body["error"]["code"], response.get_data()
        return response.status_code, body["error"]["code"]
    return response.status_code, None


@pytest.mark.parametrize("operation", ORDER)
def test_cell(matrix, operation):
    app, records = matrix
    client, route = app.test_client(), ROUTES[operation]
    method, path = operation.split(" ", 1)
    keys = ("a", "b") if "{" in path else (None,)

    body = route.body(records.ids["a"]) if callable(route.body) else route.body

    def call(name, key):
        ids = None if key in (None, "missing") else records.ids[key]
        return client.open(_url(path, route, ids), method=method, json=body, headers=records.headers[name])

    # Denied cells first: a write let through changes the record's state for the callers after it.
    cells = sorted(((name, key, route.policy(name, CALLERS[name], key)) for name in CALLERS for key in keys),
                   key=lambda cell: cell[2] == p.OK)
    wrong = []
    for name, key, expected in cells:
        response = call(name, key)
        status, code = _answer(response)
        if expected == p.OK:
            if status in (401, 403, 404) or status >= 500:
                wrong.append((name, key, "let through", status, code))
            foreign = [records.names[k] for k in ("a", "b") if p.staff_read(name, CALLERS[name], k) != p.OK
                       and p.supervisee(name, CALLERS[name], k) != p.OK and CALLERS[name].role != "admin"]
            text = response.get_data().decode("utf-8", "replace")
            wrong += [(name, key, "names a foreign subject", status, n) for n in foreign if n in text]
        elif status != expected:
            wrong.append((name, key, expected, status, code))
        elif expected == 404 and (status, code) != _answer(call(name, "missing")):
            wrong.append((name, key, "404 unlike a missing id", status, code))
    assert not wrong, wrong
