"""Check-ins partitioned by month on PostgreSQL (migration 0011): where a fix lands, the months made ahead, and the
retention that drops a month whose every fix is past retention. On SQLite the table is plain: nothing is made or
dropped, and the purge deletes the same fixes row by row."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from correction.clock import LOCAL_TZ
from correction.db import db
from correction.models import CheckIn, LocationSignal, SignalKind, Subject, SubjectStatus, Verdict
from correction.services import checkin_partitions, location_upkeep


def local(year, month, day, hour=12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LOCAL_TZ)


def store_fix(subject_id: int, captured: datetime, client_id: str) -> int:
    """A fix stored as the service stores it (the judgement is not what these tests are about)."""
    checkin = CheckIn(subject_id=subject_id, client_id=client_id, lat=39.05, lng=121.72, coord_type="wgs84",
                      accuracy_m=20, captured_at=captured, received_at=captured, wgs_lat=39.05, wgs_lng=121.72,
                      verdict=Verdict.inside)
    db.session.add(checkin)
    db.session.commit()
    return checkin.id


def partition_of(checkin_id: int) -> str:
    return db.session.scalar(sa.text("SELECT tableoid::regclass::text FROM checkins WHERE id = :id"),
                             {"id": checkin_id})


def on_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def test_a_fix_lands_in_the_partition_of_its_local_month(app, world):
    with app.app_context():
        # 1 May 2030 00:30 in Shanghai is still 30 April in UTC: the local month decides.
        fix_id = store_fix(world.subjects["a1"], local(2030, 5, 1, 0), "may-day")
        made = location_upkeep.make_partitions_ahead(local(2030, 4, 20))
        if on_postgresql():
            assert made == 4  # April to July 2030
            assert partition_of(fix_id) == "checkins_y2030m05"  # moved out of the default partition
            assert db.session.scalar(sa.text("SELECT relkind FROM pg_class WHERE relname = 'checkins'")) == "p"
            assert set(checkin_partitions.existing()) >= {date(2030, m, 1) for m in (4, 5, 6, 7)}
        else:
            assert made == 0
        assert location_upkeep.make_partitions_ahead(local(2030, 4, 21)) == 0  # idempotent
        assert db.session.get(CheckIn, fix_id).client_id == "may-day"


def test_a_retry_repeats_the_capture_time_so_it_is_one_fix_in_one_partition(app, world):
    with app.app_context():
        first = store_fix(world.subjects["a1"], local(2030, 9, 2), "retry-me")
        with pytest.raises(IntegrityError):
            store_fix(world.subjects["a1"], local(2030, 9, 2), "retry-me")
        db.session.rollback()
        assert db.session.scalars(sa.select(CheckIn.id).where(CheckIn.client_id == "retry-me")).all() == [first]


def test_retention_drops_a_month_whose_every_fix_is_past_retention(app, world):
    gone, live = world.subjects["a1"], world.subjects["b1"]
    with app.app_context():
        location_upkeep.make_partitions_ahead(local(2020, 1, 10))  # January to April 2020
        only_gone = store_fix(gone, local(2020, 1, 10), "jan-gone")
        mixed_gone = store_fix(gone, local(2020, 2, 10), "feb-gone")
        mixed_live = store_fix(live, local(2020, 2, 11), "feb-live")
        db.session.add(LocationSignal(subject_id=gone, kind=SignalKind.mock_location, detected_at=local(2020, 1, 10),
                                      checkin_id=only_gone, evidence={}, dedupe_key="mock:jan-gone"))
        subject = db.session.get(Subject, gone)
        subject.status, subject.ended_on = SubjectStatus.released, date(2020, 2, 20)
        db.session.commit()

        # 365 days after 20 February 2020 (a leap year) is 19 February 2021: gone from the day after.
        assert location_upkeep.purge_locations(local(2021, 2, 19)).checkins == 0
        purged = location_upkeep.purge_locations(local(2021, 2, 20))

        assert (purged.subjects, purged.checkins, purged.signals_unlinked) == (1, 2, 1)
        assert db.session.scalars(sa.select(CheckIn.id).order_by(CheckIn.id)).all() == [mixed_live]
        assert db.session.scalars(sa.select(LocationSignal.checkin_id)).all() == [None]
        if on_postgresql():
            months = checkin_partitions.existing()
            assert date(2020, 1, 1) not in months  # every fix in it past retention: dropped whole
            assert months[date(2020, 2, 1)] == partition_of(mixed_live)  # a live subject's fix keeps February
            assert date(2020, 3, 1) not in months  # empty and ended
            assert purged.partitions_dropped == 1  # March and April went, empty, on the run before
        else:
            assert purged.partitions_dropped == 0
        assert mixed_gone not in db.session.scalars(sa.select(CheckIn.id)).all()
