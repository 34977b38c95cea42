"""Reminders: report deadlines coming up (by tier, once, only for those who still owe) and terms ending soon."""

import random
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from correction.clock import LOCAL_TZ, local_date
from correction.components import components
from correction.db import db
from correction.models import Notification, Role, Subject, SubjectStatus, SuperviseeAccount, User
from correction.rules.obligations import report_streams
from correction.rules.periods import period_containing
from correction.services.obligations import reported_periods, stream_periods
from correction.services.reminders import remind_due_reports, remind_term_ending
from tests.apps import at
from tests.factories import supervisee_headers
from tests.services.test_overdue import build_population, noon

MY_INBOX = "/api/v1/me/notifications"
NOTHING = {"report_in": 0, "periodic": 0, "health_report": 0, "medical_review": 0}


def local(year, month, day, hour=12, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


@pytest.fixture
def reported(client, world):
    """Subject a1 reports in on Monday 2026-11-23 (a new intake: 严管, weekly reports) and binds the mini-program."""
    with at(2026, 11, 23):
        response = client.post(f"/api/v1/subjects/{world.subjects['a1']}/report-in", json={},
                               headers=world.h("officer_a1"))
        assert response.status_code == 200, response.get_json()
        return supervisee_headers(client, world)


def remind(app, as_of) -> dict:
    with app.app_context():
        return remind_due_reports(as_of)


def test_the_day_before_and_two_hours_before_each_once(app, client, reported):
    # The week of 11-23 is on time until Tuesday 12-01 (two days' grace): it closes at 12-02 00:00.
    assert remind(app, local(2026, 11, 30, 12)) == NOTHING  # 36 h before: not yet
    assert remind(app, local(2026, 12, 1, 9)) == {**NOTHING, "periodic": 1}
    assert remind(app, local(2026, 12, 1, 9, 5)) == NOTHING
    assert remind(app, local(2026, 12, 1, 22, 30)) == {**NOTHING, "periodic": 1}
    assert remind(app, local(2026, 12, 1, 23, 59)) == NOTHING
    with at(2026, 12, 1, 23):
        inbox = client.get(MY_INBOX, headers=reported).get_json()
    assert inbox["unread"] == 2
    assert [item["title"] for item in inbox["items"]] == ["定期报告提醒"] * 2
    assert inbox["items"][0]["body"] == "11月23日至11月29日的定期报告须于12月1日（含）前提交，距截止已不足2小时。"
    assert "不足24小时" in inbox["items"][1]["body"]
    assert inbox["items"][0]["data"] == {"obligation": "periodic", "period_start": "2026-11-23",
                                         "period_end": "2026-11-29", "due": "2026-12-01"}


def test_a_late_run_still_reminds_at_the_urgent_tier(app, client, reported):
    assert remind(app, local(2026, 12, 1, 23)) == {**NOTHING, "periodic": 1}
    body = client.get(MY_INBOX, headers=reported).get_json()["items"][0]["body"]
    assert body.endswith("距截止已不足2小时。")


def test_no_reminder_once_the_report_is_in(app, client, reported):
    with at(2026, 11, 30):
        response = client.post("/api/v1/me/reports", json={"kind": "periodic", "content": "本周遵纪守法。"},
                               headers=reported)
        assert response.get_json()["period_start"] == "2026-11-23"
    assert remind(app, local(2026, 12, 1, 9)) == NOTHING


def test_a_subject_yet_to_report_in_is_reminded_of_the_report_in(app, client, world):
    headers = supervisee_headers(client, world, "b1")  # judgment effective 11-20: report in by 11-30
    assert remind(app, local(2026, 11, 29, 9)) == NOTHING
    assert remind(app, local(2026, 11, 30, 9)) == {**NOTHING, "report_in": 1}
    assert remind(app, local(2026, 11, 30, 9)) == NOTHING
    item = client.get(MY_INBOX, headers=headers).get_json()["items"][0]
    assert (item["title"], item["data"]) == ("报到提醒", {"obligation": "report_in", "due": "2026-11-30"})


def closes(last_day: date) -> datetime:
    return datetime.combine(last_day + timedelta(days=1), time(), LOCAL_TZ)


def test_after_the_new_intake_months_the_recorded_level_sets_the_cadence(app, client, reported):
    # From 2027-01-23 subject a1 is 普管 as recorded: every two weeks (periods from 2024-01-01), not weekly.
    fortnight = period_containing("biweekly", date(2027, 2, 10), date(2024, 1, 1))
    assert fortnight.end.weekday() == 6
    mid_week_end = fortnight.start + timedelta(days=6)  # a Sunday that ends a week but not the fortnight
    assert remind(app, closes(mid_week_end + timedelta(days=2)) - timedelta(hours=10)) == NOTHING
    assert remind(app, closes(fortnight.end + timedelta(days=2)) - timedelta(hours=10)) == {**NOTHING, "periodic": 1}
    item = client.get(MY_INBOX, headers=reported).get_json()["items"][0]
    assert item["data"]["period_start"] == fortnight.start.isoformat()


def test_term_ending_reminds_officers_and_the_supervisee_once(app, client, world, reported):
    # Both subjects' terms end on 2028-11-19; the reminder window is 30 days.
    with app.app_context():
        assert remind_term_ending(local(2028, 10, 19)) == {"subjects": 0, "notifications": 0}
        assert remind_term_ending(local(2028, 10, 25)) == {"subjects": 2, "notifications": 3}
        assert remind_term_ending(local(2028, 10, 26)) == {"subjects": 0, "notifications": 0}
    officer = client.get("/api/v1/notifications", headers=world.h("officer_a1")).get_json()["items"]
    assert [(i["kind"], i["title"], i["link"]) for i in officer] == [
        ("term_ending", "矫正期即将届满", f"/subjects/{world.subjects['a1']}")]
    assert "2028-11-19" in officer[0]["body"] and officer[0]["data"]["subject_id"] == world.subjects["a1"]
    mine = client.get(MY_INBOX, headers=reported).get_json()["items"]
    assert [i["kind"] for i in mine] == ["term_ending"] and mine[0]["body"].startswith("您的社区矫正期")
    assert client.get("/api/v1/notifications", headers=world.h("officer_b1")).get_json()["total"] == 1


@pytest.mark.parametrize("seed", [3])
def test_the_reminder_query_agrees_with_the_per_subject_computation(app, world, seed):
    build_population(app, world, random.Random(seed), 30)
    with app.app_context():
        everyone = db.session.scalars(sa.select(Subject).where(Subject.status == SubjectStatus.under_correction)).all()
        user_of = {}
        for subject in everyone:  # a mini-program account for each (the population has none)
            user = User(role=Role.supervisee, name=subject.name)
            db.session.add(user)
            db.session.flush()
            db.session.add(SuperviseeAccount(user_id=user.id, subject_id=subject.id, wx_openid=f"o{subject.id}",
                                             bound_at=noon(date(2026, 1, 1))))
            user_of[subject.id] = user.id
        db.session.commit()
        compared = 0
        for offset in range(0, 400, 9):
            as_of = local(2026, 1, 5, 9) + timedelta(days=offset, hours=offset % 14)
            horizon = as_of + timedelta(hours=24)
            expected = set()
            for subject in everyone:
                for stream in report_streams(components().rules):
                    for period in stream_periods(subject, stream, local_date(as_of)):
                        if (as_of < closes(period.deadline(stream.grace_days)) <= horizon
                                and not reported_periods(subject.id, stream.kind, [period.start])):
                            expected.add((user_of[subject.id], stream.kind, period.start.isoformat()))
            remind_due_reports(as_of)
            found = {(n.user_id, n.data["obligation"], n.data["period_start"]) for n in db.session.scalars(
                sa.select(Notification).where(Notification.created_at == as_of))}
            assert found == expected, as_of
            compared += len(expected)
    assert compared > 40, compared
