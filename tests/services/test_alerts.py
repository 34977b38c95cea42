"""Alerts in the domain: opened once per key (also by two processes at once) with the office, the ladder's
suggestion and the inbox; each scheduler job's effect, and a second run at the same instant changing nothing; the
ladder over real sanctions (two 训诫 ⇒ 警告, more than 10 days ⇒ 警告, two 警告 ⇒ a revocation proposal)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from correction.db import db
from correction.models import (
    Alert, AlertType, ApproverLevel, Disposition, LeaveKind, LeaveRequest, LeaveStatus, LocationSignal, Notification,
    RelocationRequest, RelocationStatus, Sanction, SignalKind, Subject, SuperviseeAccount, User,
)
from correction.services import alert_actions, alert_jobs
from correction.services.alerts import open_alert
from correction.services.sanctions import warnings_within
from tests.apps import at
from tests.factories import supervisee_headers


def noon(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai


def alerts(subject_id: int | None = None) -> list[Alert]:
    stmt = sa.select(Alert).order_by(Alert.id)
    return list(db.session.scalars(stmt if subject_id is None else stmt.where(Alert.subject_id == subject_id)))


def inbox(user_id: int) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user_id)
                                   .order_by(Notification.id)))


def user(world, name: str) -> User:
    return db.session.get(User, world.users[name])


@pytest.fixture
def me(client, world) -> int:
    """Subject a1 reported in on 2026-11-23 and bound the mini-program; the supervisee's user id."""
    with at(2026, 11, 23):
        assert client.post(f"/api/v1/subjects/{world.subjects['a1']}/report-in", json={},
                           headers=world.h("officer_a1")).status_code == 200
        supervisee_headers(client, world)
    with client.application.app_context():
        return db.session.scalar(sa.select(SuperviseeAccount.user_id).where(
            SuperviseeAccount.subject_id == world.subjects["a1"]))


def open_one(world, key: str = "report_overdue:test", type=AlertType.report_overdue, evidence=None, when=None):
    subject = db.session.get(Subject, world.subjects["a1"])
    return open_alert(subject, type, dedupe_key=key, title="未按时提交定期报告", evidence=evidence or {},
                      as_of=when or noon(2026, 12, 2))


def resolve(world, alert_id: int, disposition: Disposition, when=None):
    return alert_actions.resolve(user(world, "officer_a1"), alert_id, as_of=when or noon(2026, 12, 3),
                                 disposition=disposition, note="经核实")


def test_an_alert_opens_once_with_its_office_suggestion_and_inbox(app, world, me):
    with app.app_context():
        first = open_one(world)
        assert open_one(world) is None  # the same key again: nothing
        assert (first.status, first.office_id, first.opened_at) == ("open", world.units["office_a1"],
                                                                     noon(2026, 12, 2))
        assert first.suggestion == {"code": "admonition", "text": "建议训诫：违反监督管理规定，情节较轻。"}
        officer, = inbox(world.users["officer_a1"])
        assert (officer.title, officer.alert_id, officer.link) == ("对象A1：未按时提交定期报告", first.id,
                                                                  f"/alerts/{first.id}")
        supervisee, = inbox(me)
        assert supervisee.title == "未按时提交定期报告" and "申辩" in supervisee.body
        assert inbox(world.users["county_a"]) == [] and len(alerts()) == 1


def test_two_openings_at_once_create_one_alert(app, world):
    barrier = threading.Barrier(2)

    def run():
        with app.app_context():
            subject = db.session.get(Subject, world.subjects["a1"])
            barrier.wait(timeout=10)
            alert = open_alert(subject, AlertType.report_overdue, dedupe_key="same", title="同时", evidence={},
                               as_of=noon(2026, 12, 2))
            return alert is not None

    with ThreadPoolExecutor(2) as pool:
        results = [f.result() for f in [pool.submit(run) for _ in range(2)]]
    assert sorted(results) == [False, True]
    with app.app_context():
        assert len(alerts()) == 1 and len(inbox(world.users["officer_a1"])) == 1


def test_spoofing_is_not_told_to_the_supervisee(app, world, me):
    with app.app_context():
        open_one(world, "spoofing:mock:1", AlertType.spoofing)
        assert inbox(me) == [] and len(inbox(world.users["officer_a1"])) == 1


def test_report_in_overdue_opens_once_and_its_suggestion_climbs_with_the_days(app, world):
    with app.app_context():  # a1 and b1 were due to report in by 2026-11-30 and never did
        assert alert_jobs.alert_overdue(noon(2026, 11, 30)) == {"overdue": 0, "opened": 0, "refreshed": 0}
        assert alert_jobs.alert_overdue(noon(2026, 12, 1)) == {"overdue": 2, "opened": 2, "refreshed": 0}
        assert alert_jobs.alert_overdue(noon(2026, 12, 1)) == {"overdue": 2, "opened": 0, "refreshed": 0}
        alert, other = alerts()
        title = "未按规定报到（应于2026-11-30前报到）"
        assert (alert.type, alert.dedupe_key, alert.title) == (
            "not_reported_in", f"not_reported_in:{world.subjects['a1']}:2026-11-30", title)
        assert alert.evidence == {"kind": "report_in", "due": "2026-11-30", "absent_days": 1}
        assert alert.suggestion["code"] == "admonition" and other.office_id == world.units["office_b1"]
        assert alert_jobs.alert_overdue(noon(2026, 12, 12)) == {"overdue": 2, "opened": 0, "refreshed": 2}
        db.session.expire_all()
        assert alert.evidence["absent_days"] == 12 and alert.suggestion == {
            "code": "warning", "text": "建议警告：脱离监管12天，超过10天。"}
        assert alert_jobs.alert_overdue(noon(2026, 12, 12))["refreshed"] == 0
        alert_jobs.alert_overdue(noon(2027, 1, 1))
        db.session.expire_all()
        assert alert.suggestion["text"] == "建议提请撤销缓刑：脱离监管32天，超过30天。"
        titles = [n.title for n in inbox(world.users["officer_a1"])]
        assert titles == [f"对象A1：{title}", "对象A1：处理建议升级", "对象A1：处理建议升级"]
        assert len(alerts()) == 2


def test_reports_and_hours_overdue_open_one_alert_per_kind_and_period(app, world, me):
    with app.app_context():
        assert alert_jobs.alert_overdue(noon(2026, 12, 2))["opened"] == 2  # b1 has not reported in
        alert, = alerts(world.subjects["a1"])
        assert (alert.type, alert.title) == ("report_overdue", "未按时提交定期报告（2026-11-23至2026-11-29）")
        assert alert.evidence == {"kind": "periodic", "period_start": "2026-11-23", "period_end": "2026-11-29",
                                  "due": "2026-12-01", "days_late": 1}
        counts = alert_jobs.alert_overdue(noon(2027, 1, 5))
        assert alert_jobs.alert_overdue(noon(2027, 1, 5)) == {**counts, "opened": 0, "refreshed": 0}
        hours = [a for a in alerts(world.subjects["a1"]) if a.type == "hours_behind"]
        assert sorted(a.title for a in hours) == ["2026年12月公益活动时长不足（应12小时，已完成0小时）",
                                                   "2026年12月教育学习时长不足（应12小时，已完成0小时）"]
        assert all(a.dedupe_key.startswith(f"hours_behind:{world.subjects['a1']}:") for a in hours)


def add_trip(world, **fields) -> LeaveRequest:
    trip = LeaveRequest(subject_id=world.subjects["a1"], kind=LeaveKind.trip, reason_type="family", reason="探亲",
                        start_date=date(2026, 12, 1), end_date=date(2026, 12, 3), days=3,
                        approver_level=ApproverLevel.judicial_office, warnings=[], submitted_at=noon(2026, 11, 26),
                        **fields)
    db.session.add(trip)
    db.session.commit()
    return trip


def test_a_late_return_opens_once_per_end_date_and_counts_the_days_away(app, world, me):
    with app.app_context():
        trip = add_trip(world, status=LeaveStatus.departed, departed_at=noon(2026, 12, 1))
        assert alert_jobs.alert_late_returns(noon(2026, 12, 3))["late"] == 0
        assert alert_jobs.alert_late_returns(noon(2026, 12, 4)) == {"late": 1, "opened": 1, "refreshed": 0}
        assert alert_jobs.alert_late_returns(noon(2026, 12, 4)) == {"late": 1, "opened": 0, "refreshed": 0}
        alert, = alerts()
        assert (alert.dedupe_key, alert.evidence) == (f"late_return:{trip.id}:2026-12-03", {
            "leave_id": trip.id, "end_date": "2026-12-03", "absent_days": 1})
        assert [n.title for n in inbox(me)] == ["未按时销假（外出应于2026-12-03结束）"]
        assert alert_jobs.alert_late_returns(noon(2026, 12, 15))["refreshed"] == 1
        db.session.expire_all()
        assert alert.suggestion["code"] == "warning"


def test_a_missed_fast_track_deadline_alerts_the_office_and_the_county_once(app, world, me):
    with app.app_context():
        trip = add_trip(world, status=LeaveStatus.submitted, fast_track=True,
                        decision_due_at=datetime(2026, 11, 27, 4, 0, tzinfo=UTC))
        assert alert_jobs.alert_missed_fast_track(noon(2026, 11, 27)) == {"escalated": 0, "opened": 0}
        assert alert_jobs.alert_missed_fast_track(noon(2026, 11, 28)) == {"escalated": 1, "opened": 1}
        assert alert_jobs.alert_missed_fast_track(noon(2026, 11, 28)) == {"escalated": 0, "opened": 0}
        alert, = alerts()
        assert (alert.type, alert.dedupe_key, alert.suggestion) == ("approval_overdue",
                                                                   f"approval_overdue:{trip.id}", None)
        assert db.session.get(LeaveRequest, trip.id).escalated_at == noon(2026, 11, 28)
        assert len(inbox(world.users["county_a"])) == len(inbox(world.users["officer_a1"])) == 1
        assert inbox(me) == []


def add_signal(world, kind: SignalKind, key: str, detected: datetime, **evidence) -> None:
    db.session.add(LocationSignal(subject_id=world.subjects["a1"], kind=kind, detected_at=detected,
                                  evidence=evidence, dedupe_key=key))
    db.session.commit()


def test_location_signals_become_alerts_once_and_are_consumed(app, world, me):
    with app.app_context():
        for n in (1, 2, 3):
            add_signal(world, SignalKind.mock_location, f"mock:{n}", noon(2026, 11, 26), checkin_id=n)
        add_signal(world, SignalKind.out_of_bounds, "oob:7", noon(2026, 11, 26), checkin_ids=[7, 8, 9],
                   **{"from": "2026-11-12T08:00:00+00:00", "to": "2026-11-26T03:00:00+00:00"})
        add_signal(world, SignalKind.missed_spot_check, "spot:4", noon(2026, 11, 26), spot_check_id=4)
        add_signal(world, SignalKind.late_fix, "late:9", noon(2026, 11, 28), checkin_ids=[9])
        assert alert_jobs.alert_location_signals(noon(2026, 11, 27)) == {"signals": 5, "opened": 3}
        assert alert_jobs.alert_location_signals(noon(2026, 11, 27)) == {"signals": 0, "opened": 0}
        by_type = {a.type: a for a in alerts()}
        assert set(by_type) == {"spoofing", "out_of_bounds", "missed_checkin"}
        spoofing = by_type["spoofing"]
        assert spoofing.dedupe_key == "spoofing:mock:1" and spoofing.title == "疑似使用虚拟定位"
        assert [s["evidence"]["checkin_id"] for s in spoofing.evidence["signals"]] == [1, 2, 3]
        assert by_type["out_of_bounds"].evidence["absent_days"] == 13
        assert by_type["out_of_bounds"].suggestion["code"] == "warning"
        assert sorted(n.alert.type for n in inbox(me)) == ["missed_checkin", "out_of_bounds"]
        consumed = db.session.scalars(sa.select(LocationSignal.dedupe_key).where(
            LocationSignal.consumed_at.is_not(None)))
        assert sorted(consumed) == ["mock:1", "mock:2", "mock:3", "oob:7", "spot:4"]
        assert alert_jobs.alert_location_signals(noon(2026, 11, 28)) == {"signals": 1, "opened": 1}


def test_missed_relocation_steps_alert_the_county_and_are_no_breach(app, world, me):
    with app.app_context():
        request = RelocationRequest(subject_id=world.subjects["a1"], new_address="沈阳市和平区1号",
                                    new_county_code="210102", reason="工作调动", move_date=date(2027, 1, 10),
                                    status=RelocationStatus.submitted, submitted_at=noon(2026, 11, 24))
        db.session.add(request)
        db.session.commit()
        assert alert_jobs.alert_relocation(noon(2026, 11, 29))["opened"] == 0
        assert alert_jobs.alert_relocation(noon(2026, 11, 30)) == {"missed": 1, "opened": 1}
        assert alert_jobs.alert_relocation(noon(2026, 11, 30)) == {"missed": 1, "opened": 0}
        alert, = alerts()
        assert (alert.dedupe_key, alert.evidence["step"], alert.suggestion) == (
            f"relocation_overdue:{request.id}:consult", "consult", None)
        assert alert.title == "变更执行地：逾期未向新执行地发出征求意见函（应于2026-11-29前）"
        assert len(inbox(world.users["county_a"])) == 1 and inbox(me) == []


def test_two_admonitions_suggest_a_warning_and_open_alerts_follow(app, world, me):
    with app.app_context():
        first, second, third = (open_one(world, f"k{n}") for n in (1, 2, 3))
        resolve(world, first.id, Disposition.admonition)
        resolve(world, second.id, Disposition.admonition)
        db.session.expire_all()
        assert third.suggestion == {"code": "warning", "text": "建议警告：近12个月内已受训诫2次。"}
        assert open_one(world, "k4", when=noon(2026, 12, 4)).suggestion["code"] == "warning"
        kinds = db.session.scalars(sa.select(Sanction.kind).order_by(Sanction.id))
        assert list(kinds) == ["admonition", "admonition"]


def test_two_warnings_suggest_a_revocation_proposal_and_count_for_the_fast_track(app, world, me):
    with app.app_context():
        for n in (1, 2):
            resolve(world, open_one(world, f"w{n}").id, Disposition.warning)
        assert open_one(world, "w3", when=noon(2026, 12, 4)).suggestion == {"code": "revocation_proposal",
                                                    "text": "建议提请撤销缓刑：近12个月内已受警告2次。"}
        assert warnings_within(world.subjects["a1"], noon(2026, 12, 1)) == 2
        assert warnings_within(world.subjects["a1"], noon(2026, 12, 4)) == 0
        # Sanctions older than the lookback (12 months) no longer count.
        assert open_one(world, "w4", when=noon(2027, 12, 4)).suggestion["code"] == "admonition"
