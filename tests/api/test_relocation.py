"""变更执行地 through the API: the whole chain into a county of this deployment and into one outside it, every
deadline from the rule table, missed deadlines, bad input, scope and roles, races and idempotent retries."""

import tomllib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from config import RuleTable
from config.rules import RULES_DIR
from correction.components import components
from correction.db import db
from correction.models import ApprovalStep, RelocationRequest, Role, Subject, User
from correction.rules.relocation import RelocationRules
from correction.services import org
from correction.services.relocation import relocation_deadlines_missed, relocation_deadlines_missed_in_scope
from tests.factories import PASSWORD, login, supervisee_headers
from tests.apps import at, race

MINE, QUEUE = "/api/v1/me/relocation-requests", "/api/v1/relocation-requests"
COUNTY_B, OUTSIDE = "210214", "110105"  # county B of the test world; 北京市朝阳区, not in this deployment
MOVE = date(2027, 1, 5)




def local(year, month, day, hour=12) -> datetime:
    return datetime(year, month, day, hour - 8, 0, tzinfo=UTC)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def error(response, status: int) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]


def apply(client, headers, **overrides):
    body = {"new_address": "辽宁省大连市甘井子区红旗西路8号", "new_county_code": COUNTY_B, "reason": "随子女共同生活",
            "move_date": MOVE.isoformat(), **overrides}
    return client.post(MINE, json=body, headers=headers)


def act(client, world, relocation_id: int, verb: str, who: str = "county_a", **body):
    return client.post(f"{QUEUE}/{relocation_id}/{verb}", json=body, headers=world.h(who))


def report_in(client, world, key: str) -> None:
    with at(2026, 11, 23):
        ok(client.post(f"/api/v1/subjects/{world.subjects[key]}/report-in", json={}, headers=world.h(f"officer_{key}")))


@pytest.fixture
def me(client, world) -> dict:
    """Subject a1 (county A, office A1) reported in on 2026-11-23 and bound to the mini-program."""
    report_in(client, world, "a1")
    return supervisee_headers(client, world)


@pytest.fixture
def rules(app) -> RelocationRules:
    with app.app_context():
        return RelocationRules.from_table(components().rules)


def stored(app) -> list[RelocationRequest]:
    with app.app_context():
        return db.session.scalars(sa.select(RelocationRequest).order_by(RelocationRequest.id)).all()


def step_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(ApprovalStep))


def consulted_and_agreed(client, world, me) -> int:
    """A request submitted 11-26, the letter sent 11-27, the receiving county agreeing 11-30."""
    with at(2026, 11, 26):
        relocation_id = ok(apply(client, me), 201)["id"]
    with at(2026, 11, 27):
        ok(act(client, world, relocation_id, "consult", sent_on="2026-11-27"))
    with at(2026, 11, 30):
        ok(act(client, world, relocation_id, "consult-reply", reply_on="2026-11-30", agreed=True))
    return relocation_id


def approved(client, world, me, on=(2026, 12, 1)) -> int:
    relocation_id = consulted_and_agreed(client, world, me)
    with at(*on):
        ok(act(client, world, relocation_id, "approve", opinion="准予变更执行地"))
    return relocation_id


# --- the whole chain ---------------------------------------------------------------------------------------

def test_the_whole_chain_into_a_county_of_this_deployment(app, client, world, me, rules):
    subject_url = f"/api/v1/subjects/{world.subjects['a1']}"
    with at(2026, 11, 26):
        created = ok(apply(client, me), 201)
    rid = created["id"]
    assert (created["status"], created["warnings"], created["reported_late"]) == ("submitted", [], None)
    assert created["target_county"] == {"id": world.units["county_b"], "name": "县级机构B"}
    assert created["deadlines"] == {
        "apply_by": (MOVE - days(rules.apply_days_ahead)).isoformat(),
        "consult_due": (date(2026, 11, 26) + days(rules.consult_days)).isoformat(),
        "reply_due": None, "handover_due": None, "report_due": None}

    with at(2026, 11, 27):
        ok(act(client, world, rid, "opinion", "officer_a1", opinion="经调查，迁居理由属实，建议同意。"))
        consulting = ok(act(client, world, rid, "consult", sent_on="2026-11-27"))
    assert consulting["status"] == "consulting" and consulting["consult_sent_on"] == "2026-11-27"
    assert consulting["deadlines"]["reply_due"] == (date(2026, 11, 27) + days(rules.reply_days)).isoformat()
    with at(2026, 11, 30):
        replied = ok(act(client, world, rid, "consult-reply", reply_on="2026-11-30", agreed=True, note="居所属实"))
    assert (replied["status"], replied["consult_reply_on"], replied["consult_agreed"]) == \
        ("consulting", "2026-11-30", True)
    with at(2026, 12, 1):
        decided = ok(act(client, world, rid, "approve", opinion="准予变更执行地"))
    assert decided["status"] == "approved" and decided["decided_at"].startswith("2026-12-01T04:00:00")
    assert decided["deadlines"]["handover_due"] == (date(2026, 12, 1) + days(rules.handover_days)).isoformat()
    assert decided["deadlines"]["report_due"] == (date(2026, 12, 1) + days(rules.report_days)).isoformat()

    with at(2026, 12, 3):
        handed = ok(act(client, world, rid, "handover", handed_over_on="2026-12-03", note="判决书、执行通知书、档案",
                        target_office_id=world.units["office_b1"]))
    assert (handed["status"], handed["handed_over_on"]) == ("handed_over", "2026-12-03")
    # The file moved: county B and its office now hold the subject and the request, county A no longer does.
    subject = ok(client.get(subject_url, headers=world.h("officer_b1")))
    assert (subject["county"]["id"], subject["office"]["id"]) == (world.units["county_b"], world.units["office_b1"])
    assert (subject["address"], subject["home"], subject["officer"]) == ("辽宁省大连市甘井子区红旗西路8号", None, None)
    for who in ("officer_a1", "county_a", "inspector_a"):
        assert error(client.get(subject_url, headers=world.h(who)), 404)["code"] == "subject_not_found"
        assert error(client.get(f"{QUEUE}/{rid}", headers=world.h(who)), 404)["code"] == "relocation_not_found"
    assert ok(client.get(f"{QUEUE}/{rid}", headers=world.h("inspector_b")))["status"] == "handed_over"
    history = ok(client.get(f"{subject_url}/history", headers=world.h("county_b")))
    moves = [(e["kind"], e["from_value"], e["to_value"], e["effective_on"]) for e in history
             if e["reason"] == "变更执行地"]
    assert moves == [
        ("reassignment", f"county:{world.units['county_a']}", f"county:{world.units['county_b']}", "2026-12-03"),
        ("reassignment", f"office:{world.units['office_a1']}", f"office:{world.units['office_b1']}", "2026-12-03"),
        ("profile_update", "address", None, "2026-12-03")]

    with at(2026, 12, 5):
        reported = ok(act(client, world, rid, "reported", "officer_b1", reported_on="2026-12-05"))
    assert (reported["status"], reported["reported_on"], reported["reported_late"]) == ("reported", "2026-12-05", False)

    (mine,) = ok(client.get(MINE, headers=me))["items"]
    assert [(s["step"], s["level"]) for s in mine["steps"]] == [
        ("submitted", None), ("opinion", "judicial_office"), ("consult_sent", "county_agency"),
        ("consult_agreed", "county_agency"), ("approved", "county_agency"), ("handed_over", "county_agency"),
        ("reported", "judicial_office")]
    assert mine["steps"][1]["opinion"] == "经调查，迁居理由属实，建议同意。"
    assert mine["steps"][4]["actor"] == {"id": world.users["county_a"], "name": "county_a姓名"}
    assert mine["deadlines"] == reported["deadlines"]
    history = ok(client.get(f"{subject_url}/history", headers=world.h("officer_b1")))
    assert history[-1]["kind"] == "report_in" and history[-1]["effective_on"] == "2026-12-05"


def test_the_whole_chain_to_a_county_outside_this_deployment(app, client, world, me, rules):
    with at(2026, 11, 26):
        created = ok(apply(client, me, new_county_code=OUTSIDE, new_address="北京市朝阳区望京街1号"), 201)
    rid = created["id"]
    assert created["target_county"] is None and created["new_county_code"] == OUTSIDE
    with at(2026, 11, 27):
        ok(act(client, world, rid, "consult", sent_on="2026-11-26"))
    with at(2026, 12, 1):
        ok(act(client, world, rid, "consult-reply", reply_on="2026-11-30", agreed=True))
        ok(act(client, world, rid, "approve"))
    with at(2026, 12, 4):
        assert error(act(client, world, rid, "handover", handed_over_on="2026-12-04"), 422)["fields"] == {
            "note": ["接收地不在本系统内，请注明移交的法律文书和档案材料。"]}
        refused = error(act(client, world, rid, "handover", handed_over_on="2026-12-04", note="档案",
                            target_office_id=world.units["office_b1"]), 422)
        assert "target_office_id" in refused["fields"]
        sent = "判决书、执行通知书、矫正档案，EMS 1234567890"
        handed = ok(act(client, world, rid, "handover", handed_over_on="2026-12-04", note=sent))
    assert (handed["status"], handed["handover_note"]) == ("handed_over", sent)
    subject = ok(client.get(f"/api/v1/subjects/{world.subjects['a1']}", headers=world.h("officer_a1")))
    assert (subject["county"]["id"], subject["office"]["id"]) == (world.units["county_a"], world.units["office_a1"])
    # The file stays as it was; only the hand-over is recorded.
    assert subject["address"] == "辽宁省大连市金州区友谊街道1号"

    report_due = date(2026, 12, 1) + days(rules.report_days)
    late_day = report_due + days(1)
    with at(late_day.year, late_day.month, late_day.day):
        reported = ok(act(client, world, rid, "reported", "officer_a1", reported_on=late_day.isoformat()))
    assert (reported["status"], reported["reported_late"]) == ("reported", True)
    assert reported["steps"][-1]["opinion"] == "逾期报到"
    history = ok(client.get(f"/api/v1/subjects/{world.subjects['a1']}/history", headers=world.h("county_a")))
    assert history[-2]["kind"] == "report_in" and history[-2]["to_value"] == OUTSIDE
    assert "逾期报到" in history[-2]["reason"]
    # Supervised elsewhere now: the file closes here as transferred, and nothing more is owed here.
    assert (history[-1]["kind"], history[-1]["to_value"]) == ("release", "transferred_out")
    subject = ok(client.get(f"/api/v1/subjects/{world.subjects['a1']}", headers=world.h("officer_a1")))
    assert (subject["status"], subject["end_type"], subject["ended_on"]) == (
        "transferred_out", "transferred", late_day.isoformat())
    overdue = ok(client.get("/api/v1/obligations/overdue", headers=world.h("officer_a1"),
                            query_string={"as_of": "2027-03-01T12:00:00+08:00"}))
    assert overdue["total"] == 0


def test_an_application_later_than_a_month_ahead_is_accepted_with_a_warning(client, world, me, rules):
    with at(2026, 11, 26):
        on_time = date(2026, 11, 26) + days(rules.apply_days_ahead)
        assert ok(apply(client, me, move_date=on_time.isoformat()), 201)["warnings"] == []
    with at(2026, 11, 26):
        ok(act(client, world, ok(client.get(MINE, headers=me))["items"][0]["id"], "reject", opinion="理由不充分"))
        late = ok(apply(client, me, move_date=(on_time - days(1)).isoformat()), 201)
    assert late["warnings"] == ["short_notice"] and late["status"] == "submitted"


def test_deadlines_follow_the_rule_table(app, client, world, me):
    """A region with other numbers: every deadline moves with the table (no number is a literal in the code)."""
    with open(RULES_DIR / "national.toml", "rb") as fh:
        values = tomllib.load(fh)
    values["relocation"].update(apply_days_ahead=60, consult_days=3, reply_days=7, handover_days=2, report_days=10)
    with app.app_context():
        parts = components()
    key = next(k for k, v in app.extensions.items() if v is parts)
    app.extensions[key] = replace(parts, rules=RuleTable(values))

    relocation_id = approved(client, world, me)
    body = ok(client.get(f"{QUEUE}/{relocation_id}", headers=world.h("county_a")))
    assert body["warnings"] == ["short_notice"]  # 40 days ahead: on time nationally, short under 60
    assert body["deadlines"] == {"apply_by": "2026-11-06", "consult_due": "2026-11-29", "reply_due": "2026-12-04",
                                 "handover_due": "2026-12-03", "report_due": "2026-12-11"}
    with app.app_context():
        assert [(m.kind, m.due) for m in relocation_deadlines_missed(local(2026, 12, 4))] == [
            ("handover", date(2026, 12, 3))]


# --- missed deadlines (for the scheduler and inspections) --------------------------------------------------

def missed_on(app, day: date, who: str | None = None, world=None) -> list[tuple[str, str, int]]:
    as_of = local(day.year, day.month, day.day)
    with app.app_context():
        found = (relocation_deadlines_missed_in_scope(db.session.get(User, world.users[who]), as_of) if who
                 else relocation_deadlines_missed(as_of))
        return [(m.kind, m.due.isoformat(), m.days_late) for m in found]


def test_missed_deadlines_step_by_step(app, client, world, me, rules):
    with at(2026, 11, 26):
        rid = ok(apply(client, me), 201)["id"]
    consult_due = date(2026, 11, 26) + days(rules.consult_days)
    assert missed_on(app, consult_due) == []
    assert missed_on(app, consult_due + days(2)) == [("consult", consult_due.isoformat(), 2)]
    with at(2026, 11, 27):
        ok(act(client, world, rid, "consult", sent_on="2026-11-27"))
    reply_due = date(2026, 11, 27) + days(rules.reply_days)
    assert missed_on(app, reply_due) == []
    assert missed_on(app, reply_due + days(1)) == [("reply", reply_due.isoformat(), 1)]
    with at(2026, 11, 30):
        ok(act(client, world, rid, "consult-reply", reply_on="2026-11-30", agreed=True))
    assert missed_on(app, date(2027, 3, 1)) == []  # the decision itself has no deadline
    with at(2026, 12, 1):
        ok(act(client, world, rid, "approve"))
    handover_due = date(2026, 12, 1) + days(rules.handover_days)
    report_due = date(2026, 12, 1) + days(rules.report_days)
    assert missed_on(app, handover_due) == []
    assert missed_on(app, handover_due + days(1)) == [("handover", handover_due.isoformat(), 1)]
    assert missed_on(app, report_due + days(1)) == [
        ("handover", handover_due.isoformat(), (report_due - handover_due).days + 1),
        ("report_in", report_due.isoformat(), 1)]
    assert missed_on(app, report_due + days(1), "inspector_a", world) == missed_on(app, report_due + days(1))
    assert missed_on(app, report_due + days(1), "county_b", world) == []
    with at(2026, 12, 3):
        ok(act(client, world, rid, "handover", handed_over_on="2026-12-03", target_office_id=world.units["office_b1"]))
    assert missed_on(app, report_due) == []
    assert missed_on(app, report_due + days(1)) == [("report_in", report_due.isoformat(), 1)]
    # The file moved with the request: now county B's, not county A's.
    assert missed_on(app, report_due + days(1), "county_a", world) == []
    assert missed_on(app, report_due + days(1), "officer_b1", world) == [("report_in", report_due.isoformat(), 1)]
    with at(2026, 12, 5):
        ok(act(client, world, rid, "reported", "county_b", reported_on="2026-12-05"))
    assert missed_on(app, date(2027, 3, 1)) == []


def test_missed_deadlines_cover_every_county_in_one_query(app, client, world, me, rules):
    report_in(client, world, "b1")
    other = supervisee_headers(client, world, "b1")
    with at(2026, 11, 26):
        ok(apply(client, me), 201)
        ok(apply(client, other, new_county_code="210213"), 201)
    late = date(2026, 11, 26) + days(rules.consult_days + 1)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            found = relocation_deadlines_missed(local(late.year, late.month, late.day))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1  # one statement for the whole deployment, whatever the number of requests
    assert sorted((m.subject_id, m.county_id, m.kind) for m in found) == sorted([
        (world.subjects["a1"], world.units["county_a"], "consult"),
        (world.subjects["b1"], world.units["county_b"], "consult")])
    assert missed_on(app, late, "officer_a2", world) == []
    with at(late.year, late.month, late.day):  # a closed file owes nothing
        ok(client.post(f"/api/v1/subjects/{world.subjects['b1']}/release", json={"date": late.isoformat(),
                                                                                 "type": "death"},
                       headers=world.h("officer_b1")))
    assert [kind for kind, _, _ in missed_on(app, late)] == ["consult"]


# --- bad input --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, field, code", [
    ({"new_county_code": "21021"}, "new_county_code", "validation_failed"),
    ({"new_county_code": "210200"}, "new_county_code", "invalid_value"),      # a city, not a county
    ({"new_county_code": "210213"}, "new_county_code", "same_county"),
    ({"move_date": "2026-11-25"}, "move_date", "invalid_value"),             # yesterday
    ({"move_date": "2028-11-20"}, "move_date", "invalid_value"),             # after the term ends
    ({"move_date": "2027-02-30"}, "move_date", "validation_failed"),
    ({"new_address": ""}, "new_address", "validation_failed"),
    ({"reason": "   "}, "reason", "validation_failed"),
    ({"reason": "x" * 2001}, "reason", "validation_failed"),
    ({"new_county_code": 210214}, "new_county_code", "validation_failed"),
    ({"target_county_id": 1}, "target_county_id", "validation_failed"),
])
def test_bad_applications_are_refused_and_nothing_is_stored(app, client, world, me, body, field, code):
    with at(2026, 11, 26):
        refused = error(apply(client, me, **body), 422)
    assert refused["code"] == code and field in refused["fields"], refused
    assert stored(app) == [] and step_count(app) == 0


def test_a_missing_field_is_a_422(app, client, world, me):
    with at(2026, 11, 26):
        refused = error(client.post(MINE, json={"new_county_code": COUNTY_B}, headers=me), 422)
    assert set(refused["fields"]) == {"new_address", "reason", "move_date"}
    assert stored(app) == []


def test_bad_officer_input_is_refused_and_changes_nothing(app, client, world, me):
    with at(2026, 11, 26):
        rid = ok(apply(client, me), 201)["id"]
        for body, field in (({"sent_on": "2026-11-27"}, "sent_on"), ({"sent_on": "2026-11-25"}, "sent_on"),
                            ({}, "sent_on"), ({"sent_on": "2026-11-26", "note": "x"}, "note")):
            assert field in error(act(client, world, rid, "consult", **body), 422)["fields"]
        assert "opinion" in error(act(client, world, rid, "reject", opinion=" "), 422)["fields"]
        assert "agreed" in error(act(client, world, rid, "consult-reply", reply_on="2026-11-26"), 422)["fields"]
    (row,) = stored(app)
    assert (row.status, row.consult_sent_on) == ("submitted", None) and step_count(app) == 1

    with at(2026, 11, 27):
        ok(act(client, world, rid, "consult", sent_on="2026-11-27"))
        ok(act(client, world, rid, "consult-reply", reply_on="2026-11-27", agreed=True))
        ok(act(client, world, rid, "approve"))
        for body in ({}, {"target_office_id": world.units["office_a2"]}, {"target_office_id": 999999},
                     {"target_office_id": world.units["county_b"]}):
            refused = error(act(client, world, rid, "handover", handed_over_on="2026-11-27", **body), 422)
            assert "target_office_id" in refused["fields"], refused
        refused = error(act(client, world, rid, "handover", handed_over_on="2026-11-26",
                            target_office_id=world.units["office_b1"]), 422)  # before the decision
        assert "handed_over_on" in refused["fields"]
    (row,) = stored(app)
    assert (row.status, row.handed_over_on) == ("approved", None)
    with app.app_context():
        subject = db.session.get(Subject, world.subjects["a1"])
        assert (subject.county_id, subject.office_id) == (world.units["county_a"], world.units["office_a1"])


# --- the order of the steps -------------------------------------------------------------------------------

def test_steps_in_the_wrong_order_are_409(client, world, me):
    with at(2026, 11, 26):
        rid = ok(apply(client, me), 201)["id"]
        assert error(act(client, world, rid, "approve"), 409)["code"] == "consultation_required"
        assert error(act(client, world, rid, "consult-reply", reply_on="2026-11-26", agreed=True), 409)["code"] \
            == "not_consulting"
        assert error(act(client, world, rid, "handover", handed_over_on="2026-11-26"), 409)["code"] == "not_approved"
        assert error(act(client, world, rid, "reported", "officer_a1", reported_on="2026-11-26"), 409)["code"] == \
            "not_handed_over"
        ok(act(client, world, rid, "opinion", "officer_a1", opinion="建议同意"))
        assert error(act(client, world, rid, "opinion", "officer_a1", opinion="再次"), 409)["code"] == "opinion_given"
        ok(act(client, world, rid, "consult", sent_on="2026-11-26"))
        assert error(act(client, world, rid, "consult", sent_on="2026-11-26"), 409)["code"] == "already_consulted"
        assert error(act(client, world, rid, "approve"), 409)["code"] == "reply_pending"
        ok(act(client, world, rid, "consult-reply", reply_on="2026-11-26", agreed=False, note="无固定住所"))
        assert error(act(client, world, rid, "approve"), 409)["code"] == "receiving_county_disagreed"
        # Coordinated by the next-level agency: the later reply replaces the first, both stay in the steps.
        ok(act(client, world, rid, "consult-reply", reply_on="2026-11-26", agreed=True, note="经市局协调同意接收"))
        decided = ok(act(client, world, rid, "approve"))
        assert [s["step"] for s in decided["steps"]] == ["submitted", "opinion", "consult_sent", "consult_refused",
                                                         "consult_agreed", "approved"]
        for verb, body in (("approve", {}), ("reject", {"opinion": "不同意"})):
            assert error(act(client, world, rid, verb, **body), 409)["code"] == "already_decided"
        assert error(act(client, world, rid, "opinion", "officer_a1", opinion="晚了"), 409)["code"] == \
            "already_decided"
        ok(act(client, world, rid, "handover", handed_over_on="2026-11-26", target_office_id=world.units["office_b1"]))
        assert error(act(client, world, rid, "handover", "county_b", handed_over_on="2026-11-26",
                         target_office_id=world.units["office_b1"]), 409)["code"] == "not_approved"
        ok(act(client, world, rid, "reported", "county_b", reported_on="2026-11-26"))
        assert error(act(client, world, rid, "reported", "county_b", reported_on="2026-11-26"), 409)["code"] == \
            "not_handed_over"


def test_one_open_application_at_a_time(app, client, world, me):
    with at(2026, 11, 26):
        first = ok(apply(client, me), 201)
        assert error(apply(client, me, new_county_code=OUTSIDE), 409)["code"] == "relocation_open"
        ok(act(client, world, first["id"], "reject", opinion="新住所尚未落实"))
        again = ok(apply(client, me, new_county_code=OUTSIDE), 201)
    assert [r.status for r in stored(app)] == ["rejected", "submitted"]
    mine = ok(client.get(MINE, headers=me))["items"]
    assert [r["id"] for r in mine] == [again["id"], first["id"]]
    assert mine[1]["steps"][-1] == {**mine[1]["steps"][-1], "step": "rejected", "opinion": "新住所尚未落实"}


def test_only_subjects_under_correction_apply(client, world):
    headers = supervisee_headers(client, world)  # not reported in yet
    with at(2026, 11, 26):
        assert error(apply(client, headers), 409)["code"] == "not_reported_in"


# --- scope and roles --------------------------------------------------------------------------------------

def test_the_queue_and_scope(client, world, me):
    with at(2026, 11, 26):
        rid = ok(apply(client, me), 201)["id"]

    def queue(who, **args):
        return ok(client.get(QUEUE, query_string=args, headers=world.h(who)))

    for who in ("officer_a1", "county_a", "inspector_a"):
        assert [r["id"] for r in queue(who)["items"]] == [rid]
        assert ok(client.get(f"{QUEUE}/{rid}", headers=world.h(who)))["subject"]["name"] == "对象A1"
    assert queue("county_a", status="open")["total"] == 1 and queue("county_a", status="approved")["total"] == 0
    assert queue("county_a", subject_id=world.subjects["b1"])["total"] == 0
    assert "status" in error(client.get(QUEUE, query_string={"status": "pending"}, headers=world.h("county_a")),
                             422)["fields"]
    for who in ("officer_a2", "officer_b1", "county_b", "inspector_b"):
        assert queue(who)["total"] == 0
        assert error(client.get(f"{QUEUE}/{rid}", headers=world.h(who)), 404)["code"] == "relocation_not_found"
    with at(2026, 11, 26):
        for who in ("officer_a2", "officer_b1"):  # another office: as if the request did not exist
            assert error(act(client, world, rid, "opinion", who, opinion="x"), 404)["code"] == "relocation_not_found"
            assert error(act(client, world, rid, "reported", who, reported_on="2026-11-26"), 404)["code"] == \
                "relocation_not_found"
        for verb, body in (("consult", {"sent_on": "2026-11-26"}), ("reject", {"opinion": "x"}), ("approve", {})):
            assert error(act(client, world, rid, verb, "county_b", **body), 404)["code"] == "relocation_not_found"
        assert error(act(client, world, 999999, "consult", sent_on="2026-11-26"), 404)["code"] == \
            "relocation_not_found"


def test_inspectors_read_but_get_403_on_every_write(app, client, world, me):
    with at(2026, 11, 26):
        rid = ok(apply(client, me), 201)["id"]
        for verb, body in (("opinion", {"opinion": "x"}), ("consult", {"sent_on": "2026-11-26"}),
                           ("consult-reply", {"reply_on": "2026-11-26", "agreed": True}), ("approve", {}),
                           ("reject", {"opinion": "x"}), ("handover", {"handed_over_on": "2026-11-26"}),
                           ("reported", {"reported_on": "2026-11-26"})):
            for who in ("inspector_a", "inspector_b"):
                assert error(act(client, world, rid, verb, who, **body), 403)["code"] == "read_only"
    assert ok(client.get(f"{QUEUE}/{rid}", headers=world.h("inspector_a")))["status"] == "submitted"
    assert step_count(app) == 1


def test_the_county_agency_decides_and_the_office_gives_its_opinion(app, client, world, me):
    with at(2026, 11, 26):
        rid = ok(apply(client, me), 201)["id"]
        for verb, body in (("consult", {"sent_on": "2026-11-26"}), ("approve", {}), ("reject", {"opinion": "x"}),
                           ("consult-reply", {"reply_on": "2026-11-26", "agreed": True}),
                           ("handover", {"handed_over_on": "2026-11-26"})):
            refused = error(act(client, world, rid, verb, "officer_a1", **body), 403)
            assert refused["code"] == "county_agency_only" and "县级社区矫正机构" in refused["message"]
        assert error(act(client, world, rid, "opinion", "county_a", opinion="x"), 403)["code"] == \
            "judicial_office_only"
    assert [r.status for r in stored(app)] == ["submitted"] and step_count(app) == 1


def test_staff_and_supervisees_keep_to_their_routes(client, world, me):
    with at(2026, 11, 26):
        rid = ok(apply(client, me), 201)["id"]
        assert error(apply(client, world.h("officer_a1")), 403)["code"] == "forbidden"
        assert error(client.get(QUEUE, headers=me), 403)["code"] == "forbidden"
        assert error(client.post(f"{QUEUE}/{rid}/approve", json={}, headers=me), 403)["code"] == "forbidden"
        assert error(client.get(MINE, headers=world.h("county_a")), 403)["code"] == "forbidden"


# --- races and retries ------------------------------------------------------------------------------------



@pytest.mark.parametrize("round_", range(3))
def test_two_officers_deciding_at_once_get_one_200_and_one_409(app, client, world, me, round_):
    with app.app_context():
        org.create_user("county_a2", PASSWORD, Role.officer, "第二位县局干部", unit_id=world.units["county_a"])
    second = login(client, "county_a2")
    rid = consulted_and_agreed(client, world, me)
    url = f"{QUEUE}/{rid}"
    calls = [lambda c: c.post(f"{url}/approve", json={"opinion": "同意"}, headers=world.h("county_a")),
             lambda c: c.post(f"{url}/reject", json={"opinion": "不同意"}, headers=second)]
    with at(2026, 12, 1):
        responses = race(app, calls if round_ % 2 else calls[::-1])
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.get_json()["error"]["code"] == "already_decided"
    winner = next(r for r in responses if r.status_code == 200).get_json()
    (row,) = stored(app)
    assert row.status == winner["status"] and winner["status"] in ("approved", "rejected")
    decisions = [s["step"] for s in winner["steps"] if s["step"] in ("approved", "rejected")]
    assert decisions == [winner["status"]]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApprovalStep).where(
            ApprovalStep.step.in_(("approved", "rejected")))) == 1


def test_two_applications_at_once_store_one(app, client, world, me):
    with at(2026, 11, 26):
        responses = race(app, [lambda c: apply(c, me), lambda c: apply(c, me, new_county_code=OUTSIDE)])
    assert sorted(r.status_code for r in responses) == [201, 409]
    assert next(r for r in responses if r.status_code == 409).get_json()["error"]["code"] in (
        "relocation_open", "concurrent_update")
    assert len(stored(app)) == 1 and step_count(app) == 1


def test_a_retried_application_with_the_same_idempotency_key_creates_one(app, client, world, me):
    headers = {**me, "Idempotency-Key": "relocation-1"}
    with at(2026, 11, 26):
        first = apply(client, headers)
        again = apply(client, headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    assert len(stored(app)) == 1 and step_count(app) == 1
    with at(2026, 11, 26):
        assert error(apply(client, {**me, "Idempotency-Key": "relocation-2"}), 409)["code"] == "relocation_open"
