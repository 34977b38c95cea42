"""Check-in services the scheduler calls (spot-check draw, missed check-ins, retention) and the fence fallbacks,
on the two-county world with time frozen on the clock seam."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from correction import clock, demo
from correction.clock import LOCAL_TZ
from correction.db import db
from correction.models import CheckIn, LocationSignal, Report, SpotCheck, SuperviseeAccount, Unit, User
from correction.services import checkins, fencing, location_upkeep, spot_checks
from tests.apps import at, isolated_app
from tests.factories import bearer
from tests.locations import HOME, XINGHAI, fence_county_a, fix, local, reported_and_bound


def record(app, world, key, body, as_of):
    """Record a fix of subject `key`, received at `as_of`, through the service."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).join(SuperviseeAccount, SuperviseeAccount.user_id == User.id)
                                 .where(SuperviseeAccount.subject_id == world.subjects[key]))
        return checkins.record_checkin(user, {**body, "captured_at": datetime.fromisoformat(body["captured_at"])},
                                       as_of)


def missed(app, as_of) -> list[tuple[int, str]]:
    with app.app_context():
        location_upkeep.missed_checkins(as_of)
        return [(s.subject_id, s.dedupe_key) for s in db.session.scalars(
            sa.select(LocationSignal).where(LocationSignal.kind == "missed_checkin").order_by(LocationSignal.id))]


def test_without_a_county_polygon_the_fence_is_a_circle_around_home(app, client, world):
    reported_and_bound(client, world, "b1")  # county B has no polygon
    inside = record(app, world, "b1", fix(HOME), local(2026, 11, 26))
    outside = record(app, world, "b1", fix(XINGHAI, local(2026, 11, 26, 12, 1)), local(2026, 11, 26, 12, 1))
    assert (inside.verdict, outside.verdict) == ("inside", "outside")
    with app.app_context():
        assert db.session.get(CheckIn, outside.id).fence == "home"


def test_the_county_polygon_is_prepared_once(app, client, world):
    fence_county_a(app, world)
    with app.app_context():
        first = fencing.county_fence(world.units["county_a"])
        assert first is not None and fencing.county_fence(world.units["county_a"]) is first
        assert fencing.county_fence(world.units["county_b"]) is None


def test_missed_check_ins_per_cadence_once_per_period(app, client, world):
    reported_and_bound(client, world)  # a1: a new intake, so 严管 and daily; bound on 11-24
    record(app, world, "a1", fix(captured=local(2026, 11, 25, 23, 59)), local(2026, 11, 26, 1, 59))
    assert missed(app, local(2026, 11, 26, 1, 59)) == []          # the 25th is still in its grace
    assert missed(app, local(2026, 11, 26, 2)) == []              # received in the grace: on time
    key = f"missed_checkin:daily:2026-11-26:{world.subjects['a1']}"
    assert missed(app, local(2026, 11, 27, 2)) == [(world.subjects["a1"], key)]
    assert missed(app, local(2026, 11, 27, 9)) == [(world.subjects["a1"], key)]  # once per period
    # b1 never bound the mini-program: no check-in is owed through it.
    assert all(subject_id != world.subjects["b1"] for subject_id, _ in missed(app, local(2026, 11, 28, 3)))


def test_a_fix_received_after_the_grace_does_not_count(app, client, world):
    reported_and_bound(client, world)
    record(app, world, "a1", fix(captured=local(2026, 11, 25, 23)), local(2026, 11, 26, 2, 1))
    assert [key for _, key in missed(app, local(2026, 11, 26, 3))] == [
        f"missed_checkin:daily:2026-11-25:{world.subjects['a1']}"]


def test_the_daily_draw_runs_once_a_day_among_bound_subjects(app, client, world):
    reported_and_bound(client, world)
    reported_and_bound(client, world, "b1")
    with app.app_context():
        drawn = spot_checks.draw_spot_checks(local(2026, 11, 26, 6))
        assert len(drawn) == 1  # 2 % of two subjects, at least one
        spot_check = drawn[0]
        assert 9 <= spot_check.requested_at.astimezone(LOCAL_TZ).hour < 20
        assert spot_check.respond_by - spot_check.requested_at == timedelta(minutes=30)
        assert spot_check.draw_key == f"2026-11-26:{spot_check.subject_id}"
        assert spot_checks.draw_spot_checks(local(2026, 11, 26, 7)) == []
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SpotCheck)) == 1
        late_run = spot_checks.draw_spot_checks(local(2026, 11, 27, 21))  # after the day's window
        assert [s.requested_at for s in late_run] == [local(2026, 11, 27, 21)]


def test_nobody_unbound_is_drawn(app, client, world):
    with app.app_context():
        assert spot_checks.draw_spot_checks(local(2026, 11, 26, 6)) == []


def test_retention_deletes_raw_location_and_keeps_the_signals(app, client, world):
    headers = reported_and_bound(client, world)
    with at(2026, 11, 26):
        client.post("/api/v1/me/reports", json={"kind": "life_event", "event_type": "job_change", "content": "换工作",
                                                "location": {"lat": 39.05, "lng": 121.72, "coord_type": "wgs84"}},
                    headers=headers)
        client.post("/api/v1/me/checkins", json=fix(is_mock=True), headers=headers)
        client.post(f"/api/v1/subjects/{world.subjects['a1']}/release", json={"date": "2026-11-26", "type": "death"},
                    headers=world.h("officer_a1"))
    reported_and_bound(client, world, "b1")
    record(app, world, "b1", fix(), local(2026, 11, 26))
    with app.app_context():
        assert location_upkeep.purge_locations(local(2027, 11, 26)).checkins == 0  # 365 days: not yet
        purged = location_upkeep.purge_locations(local(2027, 11, 27))
        assert (purged.subjects, purged.checkins, purged.signals_unlinked, purged.report_locations,
                purged.return_locations) == (1, 1, 1, 1, 0)
        assert db.session.scalars(sa.select(CheckIn.subject_id)).all() == [world.subjects["b1"]]
        signal = db.session.scalars(sa.select(LocationSignal)).one()
        assert (signal.kind, signal.checkin_id, signal.subject_id) == ("mock_location", None, world.subjects["a1"])
        assert db.session.scalars(sa.select(Report.lat)).all() == [None]
        assert location_upkeep.purge_locations(local(2027, 11, 28)).checkins == 0


def test_the_demo_county_judges_by_the_real_jinzhou_boundary(database_url):
    with isolated_app(database_url, "development", ARGON2_TIME_COST=1, ARGON2_MEMORY_COST_KIB=8) as app:
        seeded = app.test_cli_runner().invoke(args=["seed-demo", "--subjects", "10"])
        assert seeded.exit_code == 0, seeded.output
        with app.app_context():
            county = db.session.scalar(sa.select(Unit).where(Unit.code == demo.COUNTY_CODE))
            assert (county.fence["type"], county.fence_coord_type) == ("MultiPolygon", "gcj02")
        client = app.test_client()
        token = client.post("/api/v1/auth/wx-login", json={"code": "dev:demo-0001"}).get_json()["access_token"]
        now = clock.now()
        verdicts = [client.post("/api/v1/me/checkins", json=fix(point, now), headers=bearer(token)).get_json()
                    for point in (demo.JINZHOU_CENTRE, XINGHAI)]
        assert [v["verdict"] for v in verdicts] == ["inside", "outside"]
