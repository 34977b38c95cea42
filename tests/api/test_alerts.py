"""Alerts end to end: the officers' lifecycle (签收, 训诫/警告 recorded as sanctions), the supervisee's contest with
photos blocking a sanction until it is answered, two officers at once, scope, bad input storing nothing, idempotent
retries, and what the supervisee is told and sees."""

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from correction import clock
from correction.db import db
from correction.models import Alert, AlertType, Notification, Sanction, Subject, SuperviseeAccount
from correction.services import alert_jobs
from correction.services.alerts import open_alert
from tests.apps import at, isolated_app, race
from tests.factories import supervisee_headers

ALERTS = "/api/v1/alerts"
MINE = "/api/v1/me/alerts"


@pytest.fixture
def app(database_url, tmp_path):
    """conftest's app, with uploaded photos in the test's temporary folder."""
    with isolated_app(database_url, UPLOAD_DIR=str(tmp_path / "uploads")) as app:
        yield app


@pytest.fixture
def me(client, world) -> dict:
    """Subject a1 reported in on 2026-11-23 and bound the mini-program; the clock stands at 2026-11-26 12:00."""
    with at(2026, 11, 23):
        client.post(f"/api/v1/subjects/{world.subjects['a1']}/report-in", json={}, headers=world.h("officer_a1"))
    headers = supervisee_headers(client, world)
    with at(2026, 11, 26):
        yield headers


def opened(app, world, key: str = "report_overdue:t", type=AlertType.report_overdue, subject: str = "a1") -> int:
    """An alert opened as the jobs open them, at the frozen instant."""
    with app.app_context():
        alert = open_alert(db.session.get(Subject, world.subjects[subject]), type, dedupe_key=key,
                           title="未按时提交定期报告", evidence={"kind": "periodic"}, as_of=clock.now())
        return alert.id


def act(client, world, who: str, alert_id: int, verb: str, body=None, **headers):
    return client.post(f"{ALERTS}/{alert_id}/{verb}", json=body, headers={**world.h(who), **headers})


def resolve(client, world, alert_id: int, disposition: str = "admonition", who: str = "officer_a1", **extra):
    return act(client, world, who, alert_id, "resolve", {"disposition": disposition, "note": "经核实", **extra})


def stored(app, alert_id: int) -> tuple:
    with app.app_context():
        alert = db.session.get(Alert, alert_id)
        sanctions = db.session.scalar(sa.select(sa.func.count()).select_from(Sanction))
        return alert.status, alert.version, alert.contested_at, sanctions


def titles(app, world, who: str | None = None, user_id: int | None = None) -> list[str]:
    with app.app_context():
        user_id = user_id or world.users[who]
        return list(db.session.scalars(sa.select(Notification.title).where(Notification.user_id == user_id)
                                       .order_by(Notification.id)))


def supervisee_id(app, world) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(SuperviseeAccount.user_id).where(
            SuperviseeAccount.subject_id == world.subjects["a1"]))


def photo(client, headers) -> int:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "white").save(out, "JPEG")
    response = client.post("/api/v1/me/uploads", headers=headers,
                           data={"file": (io.BytesIO(out.getvalue()), "proof.jpg", "image/jpeg")})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_an_officer_acknowledges_and_resolves_with_an_admonition(app, client, world, me):
    alert_id = opened(app, world)
    listed = client.get(ALERTS, query_string={"status": "open"}, headers=world.h("officer_a1")).get_json()
    assert [a["id"] for a in listed["items"]] == [alert_id] and listed["total"] == 1
    item = listed["items"][0]
    assert (item["subject"]["name"], item["office"]["id"], item["suggestion"]["code"]) == (
        "对象A1", world.units["office_a1"], "admonition")
    acknowledged = act(client, world, "officer_a1", alert_id, "acknowledge")
    assert acknowledged.status_code == 200 and acknowledged.get_json()["status"] == "acknowledged"
    assert acknowledged.get_json()["acknowledged_by_id"] == world.users["officer_a1"]
    again = act(client, world, "county_a", alert_id, "acknowledge")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_open"
    resolved = resolve(client, world, alert_id)
    body = resolved.get_json()
    assert resolved.status_code == 200, body
    assert (body["status"], body["disposition"], body["resolution_note"]) == ("resolved", "admonition", "经核实")
    twice = resolve(client, world, alert_id, "warning")
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_resolved"
    assert stored(app, alert_id)[3] == 1
    assert client.get(ALERTS, query_string={"status": "open"}, headers=world.h("officer_a1")).get_json()["total"] == 0
    mine = client.get(MINE, headers=me).get_json()["items"]
    assert [(a["id"], a["disposition"]) for a in mine] == [(alert_id, "admonition")]
    assert "suggestion" not in mine[0] and "resolution_note" not in mine[0]
    assert titles(app, world, user_id=supervisee_id(app, world)) == ["未按时提交定期报告", "处理决定：训诫"]


def test_a_contest_blocks_a_sanction_until_it_is_answered(app, client, world, me):
    alert_id = opened(app, world)
    proof = photo(client, me)
    contested = client.post(f"{MINE}/{alert_id}/contest", headers=me,
                            json={"explanation": "当天住院，手机没电。", "attachments": [proof]})
    body = contested.get_json()
    assert contested.status_code == 200, body
    assert (body["contest_explanation"], body["contest_attachments"]) == ("当天住院，手机没电。", [proof])
    again = client.post(f"{MINE}/{alert_id}/contest", headers=me, json={"explanation": "补充"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_contested"
    assert titles(app, world, "officer_a1")[-1] == "对象A1：对告警提出申辩"
    refused = resolve(client, world, alert_id, "warning")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "contest_unanswered"
    assert "答复申辩" in refused.get_json()["error"]["message"]
    assert stored(app, alert_id)[0] == "open" and stored(app, alert_id)[3] == 0
    assert client.get(f"/api/v1/uploads/{proof}", headers=world.h("officer_a1")).status_code == 200
    answer = "住院证明已核实，但应提前报告。"
    answered = act(client, world, "officer_a1", alert_id, "contest-answer", {"answer": answer})
    assert answered.status_code == 200 and answered.get_json()["contest_answer"] == answer
    twice = act(client, world, "county_a", alert_id, "contest-answer", {"answer": "再答"})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "contest_answered"
    assert resolve(client, world, alert_id, "warning").status_code == 200
    mine = client.get(f"{MINE}/{alert_id}", headers=me).get_json()
    assert (mine["contest_answer"], mine["disposition"]) == (answer, "warning")
    assert titles(app, world, user_id=supervisee_id(app, world))[-2:] == ["申辩已答复", "处理决定：警告"]


def test_a_contest_does_not_block_excusing_and_an_answer_needs_a_contest(app, client, world, me):
    alert_id = opened(app, world)
    unasked = act(client, world, "officer_a1", alert_id, "contest-answer", {"answer": "无"})
    assert unasked.status_code == 409 and unasked.get_json()["error"]["code"] == "not_contested"
    client.post(f"{MINE}/{alert_id}/contest", headers=me, json={"explanation": "手机故障"})
    assert resolve(client, world, alert_id, "excused").status_code == 200
    late = client.post(f"{MINE}/{alert_id}/contest", headers=me, json={"explanation": "再次申辩"})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "already_resolved"
    # The contest can still be answered after the alert is closed: the inspection list shows the answers.
    assert act(client, world, "officer_a1", alert_id, "contest-answer", {"answer": "已核实"}).status_code == 200


def test_two_officers_resolving_at_once_get_one_200_and_one_409(app, world, me):
    for n in range(3):
        alert_id = opened(app, world, f"race:{n}")
        responses = race(app, [lambda c, who=who, aid=alert_id: c.post(
            f"{ALERTS}/{aid}/resolve", json={"disposition": "warning", "note": who}, headers=world.h(who))
            for who in ("officer_a1", "county_a")])
        assert sorted(r.status_code for r in responses) == [200, 409]
        loser = next(r for r in responses if r.status_code == 409).get_json()["error"]["code"]
        assert loser in ("alert_changed", "already_resolved")
        assert stored(app, alert_id)[3] == n + 1  # one sanction per alert


def test_another_units_alert_is_a_404_and_inspectors_only_read(client, app, world, me):
    alert_id = opened(app, world)
    for who in ("officer_a2", "officer_b1", "county_b", "inspector_b"):
        assert client.get(f"{ALERTS}/{alert_id}", headers=world.h(who)).status_code == 404, who
        assert client.get(ALERTS, headers=world.h(who)).get_json()["total"] == 0, who
    for who in ("officer_a2", "officer_b1", "county_b"):
        for verb, body in (("acknowledge", None), ("resolve", {"disposition": "excused", "note": "无"}),
                           ("contest-answer", {"answer": "无"})):
            assert act(client, world, who, alert_id, verb, body).status_code == 404, (who, verb)
    assert client.get(f"{ALERTS}/{alert_id}", headers=world.h("inspector_a")).status_code == 200
    assert client.get(ALERTS, headers=world.h("county_a")).get_json()["total"] == 1
    for verb in ("acknowledge", "resolve", "contest-answer"):
        denied = act(client, world, "inspector_a", alert_id, verb, {})
        assert denied.status_code == 403 and denied.get_json()["error"]["code"] == "read_only"
    assert client.get(ALERTS, headers=world.h("admin")).status_code == 403
    assert client.get(ALERTS, headers=me).status_code == 403
    other = supervisee_headers(client, world, "b1")
    assert client.get(f"{MINE}/{alert_id}", headers=other).status_code == 404
    assert client.post(f"{MINE}/{alert_id}/contest", headers=other, json={"explanation": "不是我"}).status_code == 404
    assert stored(app, alert_id)[:3] == ("open", 1, None)


@pytest.mark.parametrize("body, field", [
    ({"disposition": "pardon", "note": "无"}, "disposition"),
    ({"disposition": "warning"}, "note"),
    ({"disposition": "warning", "note": ""}, "note"),
    ({"disposition": "warning", "note": "无", "sanction": "x"}, "sanction"),
    ({"disposition": "warning", "note": "无", "propose_revocation": True}, "propose_revocation"),
])
def test_a_bad_resolution_is_refused_and_nothing_is_stored(app, client, world, me, body, field):
    alert_id = opened(app, world)
    response = act(client, world, "officer_a1", alert_id, "resolve", body)
    error = response.get_json()["error"]
    assert response.status_code == 422 and field in error["fields"], error
    assert stored(app, alert_id) == ("open", 1, None, 0)


@pytest.mark.parametrize("body, field", [
    ({"explanation": ""}, "explanation"),
    ({"explanation": "x" * 1001}, "explanation"),
    ({"explanation": "手机没电", "attachments": [2_000_000]}, "attachments"),
    ({"explanation": "手机没电", "attachments": ["a"]}, "attachments.0"),
])
def test_a_bad_contest_is_refused_and_nothing_is_stored(app, client, world, me, body, field):
    alert_id = opened(app, world)
    response = client.post(f"{MINE}/{alert_id}/contest", headers=me, json=body)
    error = response.get_json()["error"]
    assert response.status_code == 422 and field in error["fields"], error
    assert stored(app, alert_id) == ("open", 1, None, 0)
    assert titles(app, world, "officer_a1") == ["对象A1：未按时提交定期报告"]


def test_a_revocation_proposal_is_a_sanction_the_supervisee_is_not_served(app, client, world, me):
    alert_id = opened(app, world)
    proposed = resolve(client, world, alert_id, "other", propose_revocation=True)
    assert proposed.status_code == 200 and proposed.get_json()["disposition"] == "other"
    with app.app_context():
        assert list(db.session.scalars(sa.select(Sanction.kind))) == ["revocation_proposal"]
    assert titles(app, world, user_id=supervisee_id(app, world)) == ["未按时提交定期报告"]


def test_the_agencys_own_lateness_takes_no_sanction(app, client, world, me):
    alert_id = opened(app, world, "approval_overdue:1", AlertType.approval_overdue)
    refused = resolve(client, world, alert_id, "admonition", who="county_a")
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "not_a_breach"
    assert resolve(client, world, alert_id, "other", who="county_a").status_code == 200
    assert client.get(MINE, headers=me).get_json()["total"] == 0


def test_suspected_spoofing_is_hidden_from_the_supervisee_until_sanctioned(app, client, world, me):
    alert_id = opened(app, world, "spoofing:mock:1", AlertType.spoofing)
    assert client.get(MINE, headers=me).get_json()["total"] == 0
    assert client.post(f"{MINE}/{alert_id}/contest", headers=me, json={"explanation": "没有"}).status_code == 404
    assert resolve(client, world, alert_id, "warning").status_code == 200
    assert [a["id"] for a in client.get(MINE, headers=me).get_json()["items"]] == [alert_id]


def test_a_retried_resolution_replays_and_records_one_sanction(app, client, world, me):
    alert_id = opened(app, world)
    key = {"Idempotency-Key": f"resolve-{alert_id}"}
    first = act(client, world, "officer_a1", alert_id, "resolve", {"disposition": "warning", "note": "无"}, **key)
    second = act(client, world, "officer_a1", alert_id, "resolve", {"disposition": "warning", "note": "无"}, **key)
    assert first.status_code == second.status_code == 200 and first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true" and stored(app, alert_id)[3] == 1


def test_filters_and_newest_first(app, client, world, me):
    older = opened(app, world, "k1")
    with at(2026, 11, 27):
        newer = opened(app, world, "spoofing:k2", AlertType.spoofing)
    b1 = opened(app, world, "k3", subject="b1")

    def ids(who="county_a", **query):
        response = client.get(ALERTS, query_string=query, headers=world.h(who))
        assert response.status_code == 200, response.get_json()
        return [a["id"] for a in response.get_json()["items"]]

    assert ids() == [newer, older]
    assert ids(type="spoofing") == [newer] and ids(subject_id=world.subjects["a1"], status="open") == [newer, older]
    assert ids(subject_id=world.subjects["b1"]) == [] and ids("county_b") == [b1]
    bad = client.get(ALERTS, query_string={"type": "nonsense"}, headers=world.h("county_a"))
    assert bad.status_code == 422 and "type" in bad.get_json()["error"]["fields"]


def test_the_supervisee_finds_the_alert_in_the_inbox(app, client, world, me):
    with at(2026, 12, 2), app.app_context():
        assert alert_jobs.alert_overdue(clock.now())["opened"] == 2  # a1's weekly report; b1 never reported in
    alert, = client.get(MINE, headers=me).get_json()["items"]
    inbox = client.get("/api/v1/me/notifications", headers=me).get_json()
    assert inbox["unread"] == 1
    message, = inbox["items"]
    assert (message["kind"], message["title"], message["alert_id"], message["link"]) == (
        "alert", "未按时提交定期报告（2026-11-23至2026-11-29）", alert["id"], f"/me/alerts/{alert['id']}")
    officer, = client.get("/api/v1/notifications", headers=world.h("officer_a1")).get_json()["items"]
    assert officer["title"] == "对象A1：未按时提交定期报告（2026-11-23至2026-11-29）"
    assert officer["body"] == "建议训诫：违反监督管理规定，情节较轻。"
