"""The overdue query: deadlines from the domain table, scope, and the set-based SQL agreeing with the
per-subject computation on a random population (on SQLite and on PostgreSQL)."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from correction import clock
from correction.db import db
from correction.models import Activity, ActivityStatus, Level, Report, Subject, User
from correction.rules.periods import period_containing
from correction.services import activities, subjects
from correction.services.obligations import subject_overdue
from correction.services.overdue import find_overdue, last_new_intake_report_in
from correction.rules.terms import add_months
from tests.factories import id_number, intake_body


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai


def kinds(items, subject_id):
    return {(i.kind, i.period_start, i.days_late) for i in items if i.subject_id == subject_id}


def add_activity(**fields) -> None:
    """An activity stored as the services store it: a confirmed one also counts in its month's total."""
    activity = Activity(**fields)
    db.session.add(activity)
    if activity.status == ActivityStatus.confirmed:
        activities.count_confirmed(activity)


def report_in(world, day: date):
    officer = db.session.get(User, world.users["officer_a1"])
    with clock.frozen(noon(day)):
        subjects.record_report_in(officer, world.subjects["a1"], as_of=noon(day), on_date=day)


def test_report_in_is_overdue_from_day_11(app, world):
    with app.app_context():
        a1 = world.subjects["a1"]  # effective 2026-11-20, due 2026-11-30
        assert not kinds(find_overdue(noon(date(2026, 11, 30))), a1)
        assert kinds(find_overdue(noon(date(2026, 12, 1))), a1) == {("report_in", None, 1)}
        report_in(world, date(2026, 12, 3))
        assert not kinds(find_overdue(noon(date(2026, 12, 4))), a1)
        # Any instant can be asked: before the late report-in, the subject was overdue.
        assert kinds(find_overdue(noon(date(2026, 12, 2))), a1) == {("report_in", None, 2)}


def test_a_missed_weekly_report_and_its_late_fulfilment(app, world):
    with app.app_context():
        a1 = world.subjects["a1"]
        report_in(world, date(2026, 11, 23))
        assert not kinds(find_overdue(noon(date(2026, 12, 1))), a1)  # the week of 11-23 is in grace
        assert kinds(find_overdue(noon(date(2026, 12, 2))), a1) == {("periodic", date(2026, 11, 23), 1)}
        db.session.add(Report(subject_id=a1, kind="periodic", content="补交", period_start=date(2026, 11, 23),
                              period_end=date(2026, 11, 29), on_time=False, submitted_at=noon(date(2026, 12, 2)),
                              submitted_on=date(2026, 12, 2)))
        db.session.commit()
        assert not kinds(find_overdue(noon(date(2026, 12, 2))), a1)


def test_hours_behind_for_the_last_month(app, world):
    with app.app_context():
        a1 = world.subjects["a1"]
        report_in(world, date(2026, 11, 23))
        add_activity(subject_id=a1, kind="education", occurred_on=date(2026, 12, 5), minutes=12 * 60,
                     status=ActivityStatus.confirmed, recorded_by_id=world.users["officer_a1"],
                     created_at=noon(date(2026, 12, 5)))
        add_activity(subject_id=a1, kind="public_welfare", occurred_on=date(2026, 12, 6), minutes=300,
                     status=ActivityStatus.pending, recorded_by_id=world.users["officer_a1"],
                     created_at=noon(date(2026, 12, 6)))
        db.session.commit()
        items = [i for i in find_overdue(noon(date(2027, 1, 5))) if i.subject_id == a1 and "hours" in i.kind]
    assert [(i.kind, i.required_hours, i.done_hours, i.days_late) for i in items] == [
        ("public_welfare_hours", 12.0, 0.0, 5)]  # pending hours do not count; education was done


def test_health_reports_for_temporary_release(app, world):
    client = app.test_client()
    body = intake_body(world.units["office_a1"], 70, category="temporary_release", term_end="2027-11-19")
    subject_id = client.post("/api/v1/subjects", json=body, headers=world.h("officer_a1")).get_json()["id"]
    with app.app_context():
        officer = db.session.get(User, world.users["officer_a1"])
        with clock.frozen(noon(date(2026, 11, 25))):
            subjects.record_report_in(officer, subject_id, as_of=clock.now(), on_date=date(2026, 11, 25))
        found = kinds(find_overdue(noon(date(2027, 1, 6))), subject_id)
    assert ("health_report", date(2026, 12, 1), 1) in found  # December's, due 01-05 with 5 days' grace
    assert not {k for k in found if k[0] == "medical_review"}  # the first full quarter is 2027Q1


def test_new_intake_boundary_is_exact_at_month_ends():
    for day in (date(2026, 3, 31), date(2026, 2, 28), date(2024, 2, 29), date(2026, 12, 31)):
        boundary = last_new_intake_report_in(day, 2)
        assert add_months(boundary, 2) <= day < add_months(boundary + timedelta(days=1), 2)


def build_population(app, world, rng: random.Random, count: int) -> None:
    """Subjects with random categories, report-in days, level changes, reports and hours."""
    client = app.test_client()
    for serial in range(100, 100 + count):
        category = rng.choice(["probation", "probation", "parole", "temporary_release"])
        effective = date(2026, 1, 1) + timedelta(days=rng.randrange(300))
        body = intake_body(world.units[rng.choice(["office_a1", "office_a2"])], serial, category=category,
                           level=rng.choice(["strict", "ordinary", "lenient"]),
                           judgment_date=effective.isoformat(), effective_date=effective.isoformat(),
                           term_start=effective.isoformat(),
                           term_end=(effective + timedelta(days=500)).isoformat())
        body["id_number"] = id_number(serial=serial)
        body["birth_date"] = "1990-05-17"
        response = client.post("/api/v1/subjects", json=body, headers=world.h("county_a"))
        assert response.status_code == 201, response.get_json()
        subject_id = response.get_json()["id"]
        with app.app_context():
            officer = db.session.get(User, world.users["county_a"])
            if rng.random() < 0.9:
                reported = effective + timedelta(days=rng.randrange(15))
                with clock.frozen(noon(max(reported, effective))):
                    subjects.record_report_in(officer, subject_id, as_of=clock.now(), on_date=reported)
                if rng.random() < 0.5:
                    change = reported + timedelta(days=rng.randrange(20, 200))
                    with clock.frozen(noon(change)):
                        subjects.update_subject(officer, subject_id, as_of=clock.now(), reason="调整",
                                                level=rng.choice([Level.strict, Level.ordinary, Level.lenient]),
                                                level_effective_on=change)
                for _ in range(rng.randrange(30)):
                    day = reported + timedelta(days=rng.randrange(330))
                    cadence = rng.choice(["weekly", "biweekly", "monthly", "quarterly"])
                    period = period_containing(cadence, day, date(2024, 1, 1))
                    db.session.add(Report(subject_id=subject_id, kind=rng.choice(
                        ["periodic", "periodic", "health_report", "medical_review"]), content="x",
                        period_start=period.start, period_end=period.end, on_time=True,
                        submitted_at=noon(day), submitted_on=day))
                for _ in range(rng.randrange(6)):
                    add_activity(
                        subject_id=subject_id, kind=rng.choice(["education", "public_welfare"]),
                        occurred_on=reported + timedelta(days=rng.randrange(330)), minutes=rng.choice([60, 240, 720]),
                        status=rng.choice([ActivityStatus.confirmed, ActivityStatus.pending]),
                        recorded_by_id=officer.id, created_at=noon(effective))
                db.session.commit()


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("probe", [True, False])
def test_the_sql_agrees_with_the_per_subject_computation(app, world, seed, probe):
    rng = random.Random(seed)
    build_population(app, world, rng, 30)
    with app.app_context():
        everyone = db.session.query(Subject).all()
        compared = 0
        for offset in range(0, 400, 23):
            as_of = noon(date(2026, 1, 5) + timedelta(days=offset))
            expected = sorted(item for s in everyone for item in subject_overdue(s, as_of))
            assert sorted(find_overdue(as_of, probe=probe)) == expected, as_of
            compared += len(expected)
    assert compared > 100  # the population really is late for many things
