"""The audit trail: every state change recorded with its actor and operation and without personal data, nothing
left by a rolled-back change, `audit verify` catching an edited, deleted or added entry, and a gapless chain under
concurrent writers (on SQLite and PostgreSQL)."""

import json
from datetime import datetime

import pytest
import sqlalchemy as sa

from correction.clock import LOCAL_TZ
from correction.db import db, transaction
from correction.errors import RuleViolation
from correction.models import AuditEntry, AuditHead, Level, Subject, User
from correction.services import audit, subjects
from correction.services.audit_hooks import REDACTED
from scheduler.registry import job_by_id
from scheduler.runs import run_job
from tests.apps import at, full_id_numbers, race
from tests.factories import intake_body
from tests.locations import HOME, XINGHAI, fix, reported_and_bound

COORDINATES = ("lat", "lng", "wgs_lat", "wgs_lng", "home_lat", "home_lng", "return_lat", "return_lng")


def trail(app, **where) -> list[dict]:
    """The entries as plain dicts, in seq order, filtered by column values."""
    with app.app_context():
        stmt = sa.select(AuditEntry.__table__).order_by(AuditEntry.seq)
        for name, value in where.items():
            stmt = stmt.where(AuditEntry.__table__.c[name] == value)
        return [dict(row) for row in db.session.execute(stmt).mappings()]


def verify(runner):
    return runner.invoke(args=["audit", "verify", "--batch-size", "7"])


def test_api_changes_name_their_actor_and_operation(app, client, world):
    a1, officer = world.subjects["a1"], world.users["officer_a1"]
    with at(2026, 11, 23):
        client.post(f"/api/v1/subjects/{a1}/report-in", json={}, headers=world.h("officer_a1"))
    [report_in] = [e for e in trail(app, record_type="subjects", record_id=a1) if e["action"] == "report_in"]
    assert report_in["actor_id"] == officer and report_in["subject_id"] == a1
    assert report_in["detail"] == {"op": "update", "changes": {"status": "under_correction",
                                                               "reported_in_on": "2026-11-23"}}


def test_claims_and_checkins_are_recorded_and_a_lost_claim_is_not(app, client, world):
    headers = reported_and_bound(client, world)
    supervisee = trail(app, record_type="supervisee_accounts")[0]["detail"]["changes"]["user_id"]
    with at(2026, 11, 26):
        assert client.post("/api/v1/me/checkins", json=fix(XINGHAI), headers=headers).status_code == 201
        leave = client.post("/api/v1/me/leave-requests", headers=headers, json={
            "destinations": [{"city_code": "210100", "city_name": "沈阳市"}], "start_date": "2026-12-01",
            "end_date": "2026-12-03", "reason_type": "family", "reason": "探望父母。"}).get_json()["id"]
        url = f"/api/v1/leave-requests/{leave}/approve"
        answers = race(app, [lambda c, who=who: c.post(url, json={"opinion": "同意"}, headers=world.h(who))
                             for who in ("officer_a1", "county_a")])
    assert sorted(r.status_code for r in answers) == [200, 409]
    [checkin] = trail(app, record_type="checkins")
    assert checkin["action"] == "check_in" and checkin["subject_id"] == world.subjects["a1"]
    assert checkin["actor_id"] == supervisee
    changes = checkin["detail"]["changes"]
    assert changes["verdict"] == "outside" and changes["accuracy_m"] == 20
    assert all(changes[name] == REDACTED for name in ("lat", "lng", "wgs_lat", "wgs_lng"))
    decided = [e for e in trail(app, record_type="leave_requests", record_id=leave) if e["detail"]["op"] == "update"]
    assert [(e["action"], e["detail"]["changes"]["status"]) for e in decided] == [("approve_leave", "approved")]
    assert decided[0]["actor_id"] in (world.users["officer_a1"], world.users["county_a"])
    steps = [e for e in trail(app, record_type="approval_steps") if e["detail"]["changes"]["step"] == "approved"]
    assert len(steps) == 1 and steps[0]["subject_id"] == world.subjects["a1"]


def test_no_id_number_phone_name_or_coordinate_is_copied(app, client, world):
    headers = reported_and_bound(client, world)
    with at(2026, 11, 26):
        client.post("/api/v1/me/checkins", json=fix(HOME), headers=headers)
        client.patch(f"/api/v1/subjects/{world.subjects['a1']}", headers=world.h("officer_a1"),
                     json={"phone": "13912345678", "address": "辽宁省大连市金州区新址2号", "reason": "搬家"})
    entries = trail(app)
    text = json.dumps([e["detail"] for e in entries], ensure_ascii=False)
    assert not full_id_numbers(text)
    for secret in ("13800000000", "13912345678", "测试对象", "对象A1", "新址", str(HOME[0]), str(HOME[1]), "openid-a1"):
        assert secret not in text, secret
    for entry in entries:
        for name in COORDINATES:
            assert entry["detail"].get("changes", {}).get(name, REDACTED) == REDACTED, entry


def test_statements_are_described_by_their_values_and_their_id(app, world):
    a1 = world.subjects["a1"]
    with app.app_context():
        db.session.execute(sa.update(Subject).where(Subject.id == a1).values({"address": "别处", "level": "strict"}))
        db.session.execute(sa.update(Subject).where(Subject.county_id == world.units["county_a"]).values(phone="1"))
        db.session.execute(sa.update(Subject).where(Subject.id == a1).values(version=Subject.version + 1))
        db.session.commit()
    one, many = trail(app)[-2:]  # a version bump alone is no change
    assert (one["record_id"], one["subject_id"], one["detail"]) == (
        a1, a1, {"op": "update", "changes": {"address": REDACTED, "level": "strict"}})
    assert (many["record_id"], many["subject_id"], many["detail"]) == (
        None, None, {"op": "update", "changes": {"phone": REDACTED}, "rows": 1})


def test_a_rolled_back_change_leaves_no_entry_and_no_gap(app, world, runner):
    with app.app_context(), at(2026, 11, 26) as now:
        officer = db.session.get(User, world.users["officer_a1"])
        before = trail(app)
        with pytest.raises(RuleViolation):  # the level changes, then the office change is refused
            subjects.update_subject(officer, world.subjects["a1"], as_of=now, reason="调整", level=Level.strict,
                                    office_id=world.units["office_a2"])
        with pytest.raises(RuntimeError), transaction():
            db.session.get(Subject, world.subjects["a1"]).address = "别处"
            db.session.flush()
            raise RuntimeError("the use case fails after its flush")
        assert trail(app) == before
        subjects.update_subject(officer, world.subjects["a1"], as_of=now, reason="调整", level=Level.strict)
    after = trail(app)
    assert [e["seq"] for e in after] == list(range(1, len(after) + 1)) and len(after) > len(before)
    assert verify(runner).exit_code == 0


def test_verify_passes_then_names_an_edited_entry(app, world, runner):
    with app.app_context(), at(2026, 11, 26):  # hashed in SQL on PostgreSQL, in Python by verify: any text
        audit.record_read(db.session.get(User, world.users["inspector_a"]), world.subjects["a1"], "档案（全部）")
    result = verify(runner)
    assert result.exit_code == 0 and "audit trail intact" in result.output, result.output
    with app.app_context():
        db.session.execute(sa.text("UPDATE audit_entries SET action = 'tampered' WHERE seq = 5"))
        db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1 and "broken at seq 5" in result.output and "edited" in result.output


@pytest.mark.parametrize("where, named", [("seq = 9", 9), ("seq = (SELECT max(seq) FROM audit_entries)", None)])
def test_verify_names_a_deleted_entry(app, world, runner, where, named):
    with app.app_context():
        last = db.session.scalar(sa.select(sa.func.max(AuditEntry.seq)))
        db.session.execute(sa.text(f"DELETE FROM audit_entries WHERE {where}"))
        db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1 and f"broken at seq {named or last}" in result.output, result.output
    assert "missing" in result.output


def test_verify_names_an_entry_added_outside_the_trail(app, world, runner):
    with app.app_context():
        head = db.session.get(AuditHead, audit.HEAD_ID)
        forged = {"seq": head.seq + 1, "at": datetime(2026, 11, 26, tzinfo=LOCAL_TZ), "actor_id": None,
                  "action": "read", "record_type": "subjects", "record_id": 1, "subject_id": 1,
                  "detail": {"op": "read", "what": "file"}, "prev_hash": head.hash}
        db.session.execute(sa.insert(AuditEntry.__table__).values(
            **forged, hash=audit.chain_hash(head.hash, forged)))  # a correct hash, but the head never moved
        db.session.commit()
        seq = head.seq + 1
    result = verify(runner)
    assert result.exit_code == 1 and f"broken at seq {seq}" in result.output, result.output


def test_the_scheduler_acts_as_the_system_under_the_jobs_name(app, world):
    with app.app_context():
        run_job(job_by_id("overdue_alerts"), datetime(2026, 12, 2, 0, 30, tzinfo=LOCAL_TZ))
    alerts = trail(app, record_type="alerts")
    assert {(e["actor_id"], e["action"], e["detail"]["op"]) for e in alerts} == {(None, "overdue_alerts", "create")}
    assert {e["subject_id"] for e in alerts} == {world.subjects["a1"], world.subjects["b1"]}
    assert all(e["detail"]["changes"]["type"] == "not_reported_in" for e in alerts)


def test_concurrent_writers_keep_the_chain_valid_and_gapless(app, world, runner):
    bodies = [intake_body(world.units["office_a1"], 40 + n) for n in range(6)]
    with at(2026, 11, 26):
        answers = race(app, [lambda c, body=body: c.post("/api/v1/subjects", json=body, headers=world.h("officer_a1"))
                             for body in bodies])
    assert [r.status_code for r in answers] == [201] * 6
    with at(2026, 11, 26):  # commits of one entry each (on PostgreSQL the one-statement append)
        url = f"/api/v1/subjects/{world.subjects['a1']}"
        reads = race(app, [lambda c, who=who: c.get(url, headers=world.h(who))
                           for who in ("inspector_a", "county_a", "officer_a1") * 3])
    assert [r.status_code for r in reads] == [200] * 9
    entries = trail(app)
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    assert len([e for e in entries if e["record_type"] == "subjects" and e["detail"]["op"] == "create"]) == 8
    assert len([e for e in entries if e["action"] == "read"]) == 9
    with app.app_context():
        assert db.session.get(AuditHead, audit.HEAD_ID).seq == len(entries)
    assert verify(runner).exit_code == 0
