"""Statistics: each figure on a small hand-made county, and the population flows on a random population over a
year agreeing with a per-subject computation of the definitions (services/population.py) for several periods
and scopes, so that they reconcile exactly (on SQLite and on PostgreSQL)."""

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from correction.db import db
from correction.errors import Forbidden, RuleViolation
from correction.models import (
    Alert, AlertType, Category, EventKind, LeaveKind, LeaveRequest, Level, Report, ReleaseType, Role, Subject,
    SubjectEvent, SubjectLevel, User,
)
from correction.services import subjects
from correction.services.population import FLOWS
from correction.services.stats import stats
from tests.apps import at
from tests.factories import id_number, intake_body

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def local(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour - 8, tzinfo=UTC)


def staff(world, who: str) -> User:
    return db.session.get(User, world.users[who])


def receive(world, on: date, serial: int, office: str = "office_a1", **overrides) -> int:
    """An intake recorded on `on` (so received that day) by the office's officer or the county's."""
    officer = "officer_b1" if office == "office_b1" else "officer_a1" if office == "office_a1" else "county_a"
    dates = {"judgment_date": "2026-01-01", "effective_date": "2026-03-01", "term_start": "2026-03-01",
             "term_end": "2027-02-28"}
    body = intake_body(world.units[office], serial, **{**dates, **overrides})
    with at(on.year, on.month, on.day) as now:
        return subjects.intake(staff(world, officer), as_of=now, **_typed(body)).id


def _typed(body: dict) -> dict:
    typed = {key: date.fromisoformat(value) if key.endswith(("_date", "_start", "_end")) else value
             for key, value in body.items()}
    return {**typed, "category": Category(body["category"]), "level": Level(body["level"])}


def report_in(world, subject_id: int, on: date) -> None:
    with at(on.year, on.month, on.day) as now:
        subjects.record_report_in(staff(world, "county_a"), subject_id, as_of=now, on_date=on)


def end(world, subject_id: int, on: date, kind: ReleaseType, recorded: date | None = None) -> None:
    recorded = recorded or on
    with at(recorded.year, recorded.month, recorded.day) as now:
        subjects.release(staff(world, "county_a"), subject_id, as_of=now, on_date=on, release_type=kind)


@pytest.fixture
def march(app, world):
    """County A (and one county-B subject) through March 2026, one situation per subject."""
    with app.app_context():
        ids = {}
        ids["early"] = receive(world, date(2026, 2, 10), 11, effective_date="2026-02-01", term_start="2026-02-01")
        report_in(world, ids["early"], date(2026, 2, 12))
        ids["expiry"] = receive(world, date(2026, 1, 5), 12, effective_date="2026-01-01", term_start="2026-01-01",
                                term_end="2026-03-15")
        report_in(world, ids["expiry"], date(2026, 1, 6))
        end(world, ids["expiry"], date(2026, 3, 16), ReleaseType.expiry)
        ids["death"] = receive(world, date(2026, 3, 5), 13, category="parole")
        report_in(world, ids["death"], date(2026, 3, 6))
        end(world, ids["death"], date(2026, 3, 20), ReleaseType.death)
        ids["relevelled"] = receive(world, date(2026, 3, 10), 14, level="lenient")
        with at(2026, 3, 12) as now:
            subjects.update_subject(staff(world, "officer_a1"), ids["relevelled"], as_of=now, reason="违规",
                                    level=Level.strict)
        ids["same_day"] = receive(world, date(2026, 3, 31), 15)
        end(world, ids["same_day"], date(2026, 3, 31), ReleaseType.other)
        ids["backdated"] = receive(world, date(2026, 2, 25), 16, effective_date="2026-02-20",
                                   term_start="2026-02-20")
        end(world, ids["backdated"], date(2026, 2, 22), ReleaseType.custody, recorded=date(2026, 3, 2))
        ids["april"] = receive(world, date(2026, 4, 2), 17)
        ids["office_a2"] = receive(world, date(2026, 3, 3), 18, office="office_a2")
        ids["county_b"] = receive(world, date(2026, 3, 3), 19, office="office_b1")
        _leave_alerts_and_reports(world, ids["early"], ids["office_a2"])
        return ids


def _leave_alerts_and_reports(world, subject_id: int, other_id: int) -> None:
    def trip(status, level, decided, kind=LeaveKind.trip, **extra):
        db.session.add(LeaveRequest(
            subject_id=subject_id, kind=kind, reason_type="family", reason="探亲", start_date=date(2026, 3, 20),
            end_date=date(2026, 3, 22), days=3, approver_level=level, status=status,
            submitted_at=extra.pop("submitted_at", local(decided, 9)), decided_at=local(decided, 15), **extra))

    trip("returned", "judicial_office", date(2026, 3, 5))
    trip("approved", "county_agency", date(2026, 3, 9), fast_track=True, submitted_at=local(date(2026, 3, 9), 10),
         decision_due_at=local(date(2026, 3, 10), 10))  # decided 15:00: five hours, within the deadline
    trip("rejected", "judicial_office", date(2026, 3, 6))
    trip("cancelled", "judicial_office", date(2026, 3, 7))  # approved, then withdrawn: still an approval
    trip("approved", "judicial_office", date(2026, 3, 25), kind=LeaveKind.extension)
    trip("approved", "judicial_office", date(2026, 4, 1))
    for key, type, opened, resolved, disposition, who in (
            ("a", AlertType.out_of_bounds, date(2026, 3, 3), date(2026, 3, 4), "excused", subject_id),
            ("b", AlertType.report_overdue, date(2026, 2, 27), date(2026, 3, 2), "admonition", subject_id),
            ("c", AlertType.missed_checkin, date(2026, 3, 30), None, None, other_id)):
        db.session.add(Alert(subject_id=who, office_id=world.units["office_a1"], type=type,
                             status="resolved" if resolved else "open", dedupe_key=key, title="告警", evidence={},
                             opened_at=local(opened), resolved_at=resolved and local(resolved),
                             disposition=disposition))
    for kind, day, on_time in (("periodic", 2, True), ("periodic", 10, False), ("health_report", 15, True),
                               ("life_event", 11, None)):
        db.session.add(Report(subject_id=subject_id, kind=kind, content="汇报", on_time=on_time,
                              submitted_at=local(date(2026, 3, day)), submitted_on=date(2026, 3, day)))
    db.session.add(Report(subject_id=subject_id, kind="periodic", content="汇报", on_time=True,
                          submitted_at=local(date(2026, 4, 1)), submitted_on=date(2026, 4, 1)))
    db.session.commit()


def flows(figures: dict) -> dict:
    return {name: figures[name] for name in FLOWS}


def test_each_figure_on_a_hand_made_county(app, world, march):
    with app.app_context():
        county = stats(staff(world, "county_a"), *MARCH)
        assert flows(county) == {"active_at_start": 2, "received": 4, "released": 1, "terminated": 2,
                                 "transferred_out": 0, "active_at_end": 3}
        assert county["released_by_type"] == {"expiry": 1, "pardon": 0}
        assert county["terminated_by_type"] == {"revocation": 0, "custody": 0, "death": 1, "other": 1}
        assert county["by_category"]["parole"] == {"active_at_start": 0, "received": 1, "released": 0,
                                                   "terminated": 1, "transferred_out": 0, "active_at_end": 0}
        assert county["by_category"]["probation"]["active_at_end"] == 3
        assert county["by_level"]["lenient"] == {
            "active_at_start": 0, "received": 1, "released": 0, "terminated": 0, "transferred_out": 0,
            "active_at_end": 0, "level_changed_in": 0, "level_changed_out": 1}
        assert county["by_level"]["strict"]["level_changed_in"] == county["by_level"]["strict"]["active_at_end"] == 1
        assert county["by_level"]["ordinary"]["active_at_end"] == 2
        assert (county["leave_approved"], county["leave_approved_by_level"]) == (
            3, {"judicial_office": 2, "county_agency": 1})
        assert (county["extensions_approved"], county["fast_track_approved"]) == (1, 1)
        assert county["fast_track"] == {"requests": 1, "approved": 1, "trips": 1, "decided": 1, "median_hours": 5.0,
                                        "within_deadline_share": 1.0}
        assert county["alerts_opened"] == 2 and county["alerts_resolved"] == 2
        assert county["alerts_by_type"]["out_of_bounds"] == county["alerts_by_type"]["missed_checkin"] == 1
        assert county["alerts_by_type"]["report_overdue"] == 0  # opened in February
        assert county["alerts_by_disposition"] == {"excused": 1, "admonition": 1, "warning": 0, "other": 0}
        assert county["reports"] == {"on_time": 2, "late": 1, "by_kind": {
            "periodic": {"on_time": 1, "late": 1}, "health_report": {"on_time": 1, "late": 0},
            "medical_review": {"on_time": 0, "late": 0}}}
        office = stats(staff(world, "officer_a1"), *MARCH)  # the office A2 subject is not the office's
        assert (office["received"], office["active_at_end"], office["alerts_opened"]) == (3, 2, 1)
        assert stats(staff(world, "inspector_a"), *MARCH) == county
        everyone = stats(staff(world, "admin"), *MARCH)
        assert (everyone["received"], everyone["active_at_end"]) == (5, 4)
        with pytest.raises(Forbidden):
            stats(User(role=Role.supervisee, name="本人"), *MARCH)


def test_periods_are_checked(app, world):
    with app.app_context():
        county = staff(world, "county_a")
        with pytest.raises(RuleViolation) as reversed_:
            stats(county, date(2026, 3, 2), date(2026, 3, 1))
        assert reversed_.value.fields == {"to": ["结束日期不能早于开始日期。"]}
        assert stats(county, date(2024, 1, 1), date(2024, 12, 31))["active_at_end"] == 0  # 366 days
        with pytest.raises(RuleViolation):
            stats(county, date(2025, 1, 1), date(2026, 1, 2))  # 367 days


# --- the random population -------------------------------------------------------------------------------------

def plan(rng: random.Random, count: int = 90) -> list[dict]:
    """Subjects received over 2025-11…2026-12 with level changes and ends of every type, some ended on their
    receipt day or on a date before it."""
    people = []
    offices = [("office_a1", "county_a"), ("office_a2", "county_a"), ("office_b1", "county_b")]
    for _ in range(count):
        office, county = rng.choice(offices)
        received = date(2025, 11, 1) + timedelta(days=rng.randrange(426))
        effective = received + timedelta(days=3 if rng.random() < 0.1 else -rng.randrange(30))
        spans, start = [], effective
        for _ in range(rng.choice([1, 1, 2, 3])):
            spans.append((start, rng.choice(list(Level))))
            start += timedelta(days=rng.randrange(1, 120))
        ended, kind = None, None
        if rng.random() < 0.6:
            ended = received + timedelta(days=rng.choice([0, rng.randrange(1, 300), rng.randrange(1, 300),
                                                          rng.randrange(1, 300), -rng.randrange(1, 6)]))
            kind = rng.choice(list(ReleaseType))
        people.append({"office": office, "county": county, "category": rng.choice(list(Category)),
                       "received": received, "effective": effective, "spans": spans, "ended": ended, "kind": kind})
    return people


def store(world, people: list[dict]) -> None:
    """The planned subjects as the services write them: the intake event, the level spans, the end."""
    for n, person in enumerate(people):
        subject = Subject(
            name=f"随机{n}", id_number_cipher=b"-", id_number_digest=f"{n:064d}",
            id_number_masked=id_number(serial=n)[:6] + "********", sex="male", birth_date=date(1980, 1, 1),
            category=person["category"], judgment_date=person["effective"], effective_date=person["effective"],
            term_start=person["effective"], term_end=person["effective"] + timedelta(days=700), address="某地",
            county_id=world.units[person["county"]], office_id=world.units[person["office"]],
            level=person["spans"][-1][1], report_in_due=person["effective"] + timedelta(days=10),
            status=person["kind"].ends_as if person["kind"] else "under_correction",
            ended_on=person["ended"], end_type=person["kind"])
        db.session.add(subject)
        db.session.add(SubjectEvent(subject=subject, kind=EventKind.intake, effective_on=person["received"],
                                    recorded_at=local(person["received"])))
        for index, (valid_from, level) in enumerate(person["spans"]):
            following = person["spans"][index + 1][0] if index + 1 < len(person["spans"]) else None
            db.session.add(SubjectLevel(subject=subject, level=level, valid_from=valid_from, valid_to=following))
    db.session.commit()


def expected(people: list[dict], first: date, last: date, where) -> dict:
    """The definitions of services/population.py, computed subject by subject: totals, by category, by level."""
    totals = Counter()
    by_category = {c.value: Counter() for c in Category}
    by_level = {lv.value: Counter() for lv in Level}

    def level_on(person, day):
        started = [level for valid_from, level in person["spans"] if valid_from <= day]
        return (started[-1] if started else person["spans"][0][1]).value

    def count(person, measure, level):
        totals[measure] += 1
        by_category[person["category"].value][measure] += 1
        by_level[level][measure] += 1

    for person in filter(where, people):
        r, e = person["received"], person["ended"]
        e = max(e, r) if e else None

        def active(day, r=r, e=e):
            return r <= day and (e is None or e > day)

        if active(first - timedelta(days=1)):
            count(person, "active_at_start", level_on(person, first - timedelta(days=1)))
        if first <= r <= last:
            count(person, "received", level_on(person, r))
        if e is not None and first <= e <= last:
            measure = {ReleaseType.expiry: "released", ReleaseType.pardon: "released",
                       ReleaseType.transferred: "transferred_out"}.get(person["kind"], "terminated")
            count(person, measure, level_on(person, e - timedelta(days=1)) if e > r else level_on(person, r))
        if active(last):
            count(person, "active_at_end", level_on(person, last))
        for (_, old), (changed, new) in zip(person["spans"], person["spans"][1:], strict=False):
            if first <= changed <= last and r < changed and (e is None or changed < e):
                by_level[new.value]["level_changed_in"] += 1
                by_level[old.value]["level_changed_out"] += 1
    level_flows = (*FLOWS, "level_changed_in", "level_changed_out")
    return {**{name: totals[name] for name in FLOWS},
            "by_category": {c: {name: n[name] for name in FLOWS} for c, n in by_category.items()},
            "by_level": {lv: {name: n[name] for name in level_flows} for lv, n in by_level.items()}}


PERIODS = [(date(2026, 1, 1), date(2026, 12, 31)), MARCH, (date(2026, 6, 15), date(2026, 9, 14)),
           (date(2025, 12, 1), date(2026, 1, 15)), (date(2026, 7, 1), date(2026, 7, 1)),
           (date(2026, 11, 1), date(2026, 11, 30))]
# The world's own subjects, received on 2026-11-24 (effective 11-20, 普管) and active since.
WORLD = [{"office": office, "county": county, "category": Category.probation, "received": date(2026, 11, 24),
          "spans": [(date(2026, 11, 20), Level.ordinary)], "ended": None, "kind": None}
         for office, county in (("office_a1", "county_a"), ("office_b1", "county_b"))]


@pytest.mark.parametrize("seed", [7, 2026])
def test_the_flows_reconcile_on_a_random_population(app, world, seed):
    with app.app_context():
        people = plan(random.Random(seed))
        assert any(p["ended"] and p["ended"] < p["received"] for p in people)  # ends dated before receipt
        assert any(p["ended"] == p["received"] for p in people)  # received and ended on one day
        assert any(p["effective"] > p["received"] for p in people)  # received before the first level span
        store(world, people)
        people += WORLD
        scopes = {"officer_a1": lambda p: p["office"] == "office_a1", "county_a": lambda p: p["county"] == "county_a",
                  "inspector_a": lambda p: p["county"] == "county_a", "admin": lambda p: True}
        for who, where in scopes.items():
            for first, last in PERIODS:
                figures = stats(staff(world, who), first, last)
                assert {key: figures[key] for key in (*FLOWS, "by_category", "by_level")} == expected(
                    people, first, last, where), (who, first, last)
                assert figures["active_at_end"] == (figures["active_at_start"] + figures["received"]
                                                    - figures["released"] - figures["terminated"]
                                                    - figures["transferred_out"])
                for level in figures["by_level"].values():
                    assert level["active_at_end"] == (
                        level["active_at_start"] + level["received"] - level["released"] - level["terminated"]
                        - level["transferred_out"] + level["level_changed_in"] - level["level_changed_out"])
