"""Activity records through the API: officers record, supervisees submit and officers decide; monthly hours."""


import pytest
import sqlalchemy as sa

from correction.db import db
from correction.errors import InvalidTransition
from correction.models import Activity, ActivityStatus, ActivityTotal, User
from correction.services import activities
from tests.factories import bearer, intake_body
from tests.apps import race

SUBJECTS, ME = "/api/v1/subjects", "/api/v1/me/activities"


def activities_of(world, key: str = "a1") -> str:
    return f"{SUBJECTS}/{world.subjects[key]}/activities"


def decide(client, world, activity_id: int, verb: str, who: str = "officer_a1", **body):
    return client.post(f"/api/v1/activities/{activity_id}/{verb}", json=body, headers=world.h(who))


def report_in(client, world, key: str = "a1", on: str = "2026-11-25") -> None:
    response = client.post(f"{SUBJECTS}/{world.subjects[key]}/report-in", json={"date": on},
                           headers=world.h(f"officer_{key}"))
    assert response.status_code == 200, response.get_json()


def supervisee(client, world, key: str = "a1", serial: int = 1) -> dict:
    """Bind the subject's mini-program account (build_world takes a1 in with serial 1, b1 with 2)."""
    login = client.post("/api/v1/auth/wx-login", json={"code": f"dev:openid-{key}"}).get_json()
    code = client.post(f"{SUBJECTS}/{world.subjects[key]}/activation-code", headers=world.h(f"officer_{key}"))
    bound = client.post("/api/v1/auth/wx-bind", json={
        "bind_token": login["bind_token"], "id_number": intake_body(0, serial)["id_number"],
        "name": f"对象{key.upper()}", "activation_code": code.get_json()["code"]})
    assert bound.status_code == 200, bound.get_json()
    return bearer(bound.get_json()["access_token"])


def record(client, world, key: str = "a1", who: str = "officer_a1", **overrides):
    body = {"kind": "education", "occurred_on": "2026-11-25", "hours": 2, **overrides}
    return client.post(activities_of(world, key), json=body, headers=world.h(who))


def submit(client, headers: dict, **overrides):
    return client.post(ME, json={"kind": "public_welfare", "occurred_on": "2026-11-26", "hours": 3, **overrides},
                       headers=headers)


def month(client, url: str, headers: dict, when: str = "2026-11") -> dict:
    response = client.get(url, query_string={"month": when}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def stored(app) -> list[Activity]:
    with app.app_context():
        return db.session.scalars(sa.select(Activity).order_by(Activity.id)).all()


def monthly_totals(app) -> dict:
    """The monthly totals the overdue query reads: {(month, kind): minutes}."""
    with app.app_context():
        return {(str(t.month), str(t.kind)): t.minutes for t in db.session.scalars(sa.select(ActivityTotal))}


def error(response, status: int) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"], body
    return body["error"]


# --- recording and counting --------------------------------------------------------------------------------

def test_officer_records_and_the_hours_count(app, client, world, frozen):
    report_in(client, world)
    created = record(client, world, note="法律常识集中学习")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["kind"], body["occurred_on"], body["hours"], body["status"]) == \
        ("education", "2026-11-25", 2.0, "confirmed")
    assert body["recorded_by_id"] == body["decided_by_id"] == world.users["officer_a1"]
    assert body["subject_id"] == world.subjects["a1"] and body["decided_at"] and body["note"] == "法律常识集中学习"
    assert "minutes" not in body
    assert record(client, world, "a1", "county_a", kind="public_welfare", hours=1.5,
                  occurred_on="2026-11-26").status_code == 201
    assert record(client, world, kind="talk", hours=0.5).status_code == 201

    page = month(client, activities_of(world), world.h("inspector_a"))
    assert [(a["kind"], a["hours"]) for a in page["items"]] == [
        ("public_welfare", 1.5), ("talk", 0.5), ("education", 2.0)]  # newest first
    assert (page["page"], page["per_page"], page["total"]) == (1, 20, 3)
    totals = page["totals"]
    assert (totals["month"], totals["level"]) == ("2026-11", "strict")  # reported in 11-25: a new intake
    assert totals["education"] == {"required_hours": 12, "confirmed_hours": 2.0, "pending_hours": 0.0}
    assert totals["public_welfare"] == {"required_hours": 12, "confirmed_hours": 1.5, "pending_hours": 0.0}
    assert [a.minutes for a in stored(app)] == [120, 90, 30]
    assert monthly_totals(app) == {("2026-11-01", "education"): 120, ("2026-11-01", "public_welfare"): 90,
                           ("2026-11-01", "talk"): 30}
    assert client.get(activities_of(world), headers=world.h("officer_a1")).get_json()["total"] == 3  # this month


def test_supervisee_submits_and_an_officer_confirms(app, client, world, frozen):
    report_in(client, world)
    me = supervisee(client, world)
    submitted = submit(client, me, note="社区清扫")
    assert submitted.status_code == 201, submitted.get_json()
    activity = submitted.get_json()
    assert activity["status"] == "pending" and activity["decided_by_id"] is None and activity["hours"] == 3.0
    own = month(client, ME, me)
    assert own["totals"]["public_welfare"] == {"required_hours": 12, "confirmed_hours": 0.0, "pending_hours": 3.0}
    assert [a["id"] for a in own["items"]] == [activity["id"]]
    officers_view = month(client, activities_of(world), world.h("officer_a1"))
    assert officers_view["totals"]["public_welfare"]["pending_hours"] == 3.0

    confirmed = decide(client, world, activity["id"], "confirm", note="已核实")
    assert confirmed.status_code == 200, confirmed.get_json()
    body = confirmed.get_json()
    assert body["status"] == "confirmed" and body["decided_by_id"] == world.users["officer_a1"]
    assert body["note"] == "社区清扫\n审核意见：已核实" and body["decided_at"]
    assert month(client, ME, me)["totals"]["public_welfare"] == {
        "required_hours": 12, "confirmed_hours": 3.0, "pending_hours": 0.0}
    assert monthly_totals(app) == {("2026-11-01", "public_welfare"): 180}  # counted once confirmed, not when submitted

    assert error(decide(client, world, activity["id"], "confirm", "county_a"), 409)["code"] == "already_decided"
    assert error(decide(client, world, activity["id"], "reject"), 409)["code"] == "already_decided"
    officer_recorded = record(client, world).get_json()["id"]
    assert error(decide(client, world, officer_recorded, "reject"), 409)["code"] == "already_decided"


def test_a_rejected_submission_does_not_count(app, client, world, frozen):
    report_in(client, world)
    me = supervisee(client, world)
    activity = submit(client, me, kind="education", hours=1).get_json()
    rejected = client.post(f"/api/v1/activities/{activity['id']}/reject", headers=world.h("county_a"))
    assert rejected.status_code == 200, rejected.get_json()
    assert rejected.get_json()["status"] == "rejected" and rejected.get_json()["note"] is None
    totals = month(client, ME, me)["totals"]["education"]
    assert (totals["confirmed_hours"], totals["pending_hours"]) == (0.0, 0.0)
    assert month(client, ME, me)["items"][0]["status"] == "rejected"  # still listed
    assert monthly_totals(app) == {}
    assert error(decide(client, world, activity["id"], "confirm"), 409)["code"] == "already_decided"




@pytest.mark.parametrize("round_", range(3))
def test_two_officers_confirming_at_once_get_one_200_and_one_409(app, client, world, frozen, round_):
    report_in(client, world)
    activity_id = submit(client, supervisee(client, world)).get_json()["id"]
    url = f"/api/v1/activities/{activity_id}/confirm"
    responses = race(app, [lambda c, who=who: c.post(url, json={}, headers=world.h(who))
                           for who in ("officer_a1", "county_a")])
    assert all(not isinstance(r, Exception) for r in responses), responses
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.get_json()["error"]["code"] == "already_decided"
    winner = next(r for r in responses if r.status_code == 200).get_json()
    (row,) = stored(app)
    assert row.status == ActivityStatus.confirmed and row.decided_by_id == winner["decided_by_id"]
    assert monthly_totals(app) == {("2026-11-01", "public_welfare"): 180}  # the loser added nothing


def test_the_conditional_update_is_the_claim_even_after_a_stale_read(app, client, world, frozen):
    """The decision that read `pending` before another officer's commit still loses: the UPDATE decides."""
    report_in(client, world)
    activity_id = submit(client, supervisee(client, world)).get_json()["id"]
    with app.app_context():
        officer = db.session.get(User, world.users["county_a"])
        mine = db.session.get(Activity, activity_id)
        assert mine.status == ActivityStatus.pending
        assert decide(client, world, activity_id, "reject").status_code == 200  # another request decides first
        with pytest.raises(InvalidTransition) as caught:
            activities.decide_activity(officer, activity_id, as_of=frozen, confirm=True, note="x")
        assert caught.value.code == "already_decided"
    (row,) = stored(app)
    assert (row.status, row.decided_by_id, row.note) == (ActivityStatus.rejected, world.users["officer_a1"], None)


def test_a_retried_record_with_the_same_idempotency_key_creates_one(app, client, world, frozen):
    report_in(client, world)
    headers = {**world.h("officer_a1"), "Idempotency-Key": "activity-1"}
    body = {"kind": "visit", "occurred_on": "2026-11-26", "hours": 1}
    first = client.post(activities_of(world), json=body, headers=headers)
    again = client.post(activities_of(world), json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    me = {**supervisee(client, world), "Idempotency-Key": "activity-1"}  # keys are per user
    assert submit(client, me).status_code == submit(client, me).status_code == 201
    assert len(stored(app)) == 2


# --- who may do what ---------------------------------------------------------------------------------------

def test_inspectors_read_but_get_403_on_every_write(app, client, world, frozen):
    report_in(client, world)
    activity_id = submit(client, supervisee(client, world)).get_json()["id"]
    assert error(record(client, world, who="inspector_a"), 403)["code"] == "read_only"
    for verb in ("confirm", "reject"):
        assert error(decide(client, world, activity_id, verb, "inspector_a"), 403)["code"] == "read_only"
    assert month(client, activities_of(world), world.h("inspector_a"))["total"] == 1
    assert error(client.get(activities_of(world), headers=world.h("inspector_b")), 404)["code"] == \
        "subject_not_found"
    assert stored(app)[0].status == ActivityStatus.pending


def test_another_office_gets_404(app, client, world, frozen):
    report_in(client, world)
    activity_id = submit(client, supervisee(client, world)).get_json()["id"]
    for who in ("officer_a2", "officer_b1", "county_b"):
        assert error(record(client, world, who=who), 404)["code"] == "subject_not_found"
        assert error(client.get(activities_of(world), headers=world.h(who)), 404)["code"] == "subject_not_found"
        for verb in ("confirm", "reject"):
            assert error(decide(client, world, activity_id, verb, who), 404)["code"] == "activity_not_found"
    assert error(decide(client, world, 999999, "confirm"), 404)["code"] == "activity_not_found"
    assert error(client.get(f"{SUBJECTS}/999999/activities", headers=world.h("officer_a1")), 404)["code"] == \
        "subject_not_found"
    assert [row.status for row in stored(app)] == [ActivityStatus.pending]


def test_roles_stay_on_their_own_routes(client, world, frozen):
    report_in(client, world)
    me = supervisee(client, world)
    assert error(client.post(activities_of(world), json={}, headers=me), 403)["code"] == "forbidden"
    assert error(client.get(activities_of(world), headers=me), 403)["code"] == "forbidden"
    assert error(client.post("/api/v1/activities/1/confirm", json={}, headers=me), 403)["code"] == "forbidden"
    assert error(client.get(ME, headers=world.h("officer_a1")), 403)["code"] == "forbidden"
    assert error(submit(client, world.h("officer_a1")), 403)["code"] == "forbidden"
    assert error(client.get(activities_of(world), headers=world.h("admin")), 403)["code"] == "forbidden"
    assert error(client.get(ME), 401)["code"] == "unauthorized"


def test_a_supervisee_sees_only_their_own_activities(client, world, frozen):
    report_in(client, world)
    report_in(client, world, "b1")
    record(client, world, kind="talk", hours=1)
    me_b1 = supervisee(client, world, "b1", 2)
    assert submit(client, me_b1).status_code == 201
    own = month(client, ME, me_b1)
    assert [a["subject_id"] for a in own["items"]] == [world.subjects["b1"]]
    assert month(client, ME, supervisee(client, world))["items"][0]["kind"] == "talk"


# --- validation and state --------------------------------------------------------------------------------------

@pytest.mark.parametrize("overrides, field", [
    ({"hours": 0}, "hours"), ({"hours": 25}, "hours"), ({"hours": 0.3}, "hours"), ({"hours": -1}, "hours"),
    ({"hours": True}, "hours"), ({"hours": None}, "hours"), ({"occurred_on": "2026-11-27"}, "occurred_on"),
    ({"occurred_on": "2026-11-24"}, "occurred_on"), ({"occurred_on": "2026-13-01"}, "occurred_on"),
    ({"kind": "sport"}, "kind"), ({"kind": None}, "kind"), ({"note": ""}, "note"), ({"minutes": 60}, "minutes"),
])
def test_bad_records_are_422_and_nothing_is_stored(app, client, world, frozen, overrides, field):
    report_in(client, world)
    failure = error(record(client, world, **overrides), 422)
    assert field in failure["fields"] and all(failure["fields"][field]), failure
    assert stored(app) == []


@pytest.mark.parametrize("overrides, field", [
    ({"kind": "talk"}, "kind"), ({"kind": "visit"}, "kind"), ({"kind": "sport"}, "kind"),
    ({"hours": 0}, "hours"), ({"hours": 24.5}, "hours"), ({"hours": 0.3}, "hours"),
    ({"occurred_on": "2026-11-27"}, "occurred_on"), ({"occurred_on": "2026-11-01"}, "occurred_on"),
])
def test_bad_submissions_are_422_and_nothing_is_stored(app, client, world, frozen, overrides, field):
    report_in(client, world)
    failure = error(submit(client, supervisee(client, world), **overrides), 422)
    assert field in failure["fields"], failure
    assert stored(app) == []


def test_a_talk_submitted_by_a_supervisee_is_refused_in_chinese(client, world, frozen):
    report_in(client, world)
    failure = error(submit(client, supervisee(client, world), kind="talk"), 422)
    assert failure["code"] == "validation_failed" and failure["fields"]["kind"] == ["只能自行申报教育学习或公益活动。"]


@pytest.mark.parametrize("when", ["2026-13", "2026-1", "26-11", "2026-11-01", "2026-12"])
def test_a_bad_or_future_month_is_422(client, world, frozen, when):
    failure = error(client.get(activities_of(world), query_string={"month": when}, headers=world.h("officer_a1")),
                    422)
    assert "month" in failure["fields"]


def test_no_records_before_the_report_in_or_after_the_file_closes(app, client, world, frozen):
    assert error(record(client, world), 409)["code"] == "not_reported_in"
    me = supervisee(client, world)
    assert error(submit(client, me), 409)["code"] == "not_reported_in"
    report_in(client, world)
    pending = submit(client, me).get_json()["id"]
    released = client.post(f"{SUBJECTS}/{world.subjects['a1']}/release", headers=world.h("officer_a1"),
                           json={"date": "2026-11-26", "type": "custody"})
    assert released.status_code == 200, released.get_json()
    assert error(record(client, world), 409)["code"] == "subject_closed"
    assert error(decide(client, world, pending, "confirm"), 409)["code"] == "subject_closed"
    assert month(client, activities_of(world), world.h("officer_a1"))["total"] == 1  # the file stays readable
    assert [row.status for row in stored(app)] == [ActivityStatus.pending]


# --- monthly totals ----------------------------------------------------------------------------------------

def test_a_new_intake_owes_12_hours_and_an_ordinary_subject_after_two_months_8(client, world, frozen):
    report_in(client, world)  # a1: ordinary on file, reported in 2026-11-25, so 严管 for two months
    created = client.post(SUBJECTS, headers=world.h("officer_a1"), json=intake_body(
        world.units["office_a1"], 30, name="对象甲", judgment_date="2026-07-20", effective_date="2026-08-01",
        term_start="2026-08-01", term_end="2028-07-31"))
    assert created.status_code == 201, created.get_json()
    ordinary = created.get_json()["id"]
    world.subjects["ordinary"] = ordinary
    reported = client.post(f"{SUBJECTS}/{ordinary}/report-in", json={"date": "2026-08-03"},
                           headers=world.h("officer_a1"))
    assert reported.status_code == 200, reported.get_json()
    for day, kind, hours in (("2026-11-02", "education", 4), ("2026-11-20", "education", 4.5),
                             ("2026-10-31", "public_welfare", 8), ("2026-11-01", "public_welfare", 2)):
        assert record(client, world, "ordinary", occurred_on=day, kind=kind, hours=hours).status_code == 201
    assert record(client, world, occurred_on="2026-11-26", kind="education", hours=6).status_code == 201

    new_intake = month(client, activities_of(world), world.h("officer_a1"))["totals"]
    assert new_intake["level"] == "strict"
    assert new_intake["education"] == {"required_hours": 12, "confirmed_hours": 6.0, "pending_hours": 0.0}

    url = activities_of(world, "ordinary")
    november = month(client, url, world.h("county_a"))
    assert november["total"] == 3
    assert november["totals"]["level"] == "ordinary"
    assert november["totals"]["education"] == {"required_hours": 8, "confirmed_hours": 8.5, "pending_hours": 0.0}
    assert november["totals"]["public_welfare"] == {"required_hours": 8, "confirmed_hours": 2.0,
                                                    "pending_hours": 0.0}
    october = month(client, url, world.h("county_a"), "2026-10")
    assert october["total"] == 1 and october["totals"]["level"] == "ordinary"
    assert october["totals"]["public_welfare"] == {"required_hours": 8, "confirmed_hours": 8.0, "pending_hours": 0.0}
    september = month(client, url, world.h("county_a"), "2026-09")["totals"]
    assert september["level"] == "strict" and september["education"]["required_hours"] == 12  # before 10-03
    july = month(client, url, world.h("county_a"), "2026-07")["totals"]
    assert july["level"] is None and july["education"]["required_hours"] is None  # before the report-in

    # A level change counts from its date: the running month follows today's level, October keeps its own.
    changed = client.patch(f"{SUBJECTS}/{ordinary}", headers=world.h("officer_a1"), json={
        "level": "lenient", "level_effective_on": "2026-11-26", "reason": "考核合格，调整为宽管"})
    assert changed.status_code == 200, changed.get_json()
    assert month(client, url, world.h("officer_a1"))["totals"]["education"]["required_hours"] == 4
    assert month(client, url, world.h("officer_a1"), "2026-10")["totals"]["education"]["required_hours"] == 8
