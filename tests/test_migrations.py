"""Migrations: a fresh database goes up, all the way down and up again, and the backfill of level spans works."""

import os
from datetime import date

import flask_migrate
import pytest
import sqlalchemy as sa

from correction.db import db
from mobile_api import create_app


@pytest.fixture
def empty_database_url(tmp_path):
    """A database of its own: a SQLite file, or a new PostgreSQL database beside the test one."""
    pg_url = os.environ.get("SQJZ_TEST_DATABASE_URL")
    if not pg_url:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    url = sa.engine.make_url(pg_url)
    name = f"sqjz_migrations_{os.getpid()}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def _unit_and_subject() -> None:
    """A county agency and one subject under correction in it (id 1 each), as plain rows of the early schema."""
    db.session.execute(sa.text(
        "INSERT INTO units (id, kind, code, name, created_at) VALUES (1, 'county_agency', 'c', 'C', :t)"),
        {"t": "2026-01-01 00:00:00"})
    db.session.execute(sa.text(
        "INSERT INTO subjects (id, name, id_number_cipher, id_number_digest, id_number_masked, sex, birth_date,"
        " category, judgment_date, effective_date, term_start, term_end, address, county_id, office_id, level,"
        " status, report_in_due, created_at, version) VALUES (1, 'x', :b, 'd', 'm', 'male', '1990-01-01',"
        " 'probation', '2026-01-01', '2026-01-05', '2026-01-05', '2027-01-04', 'a', 1, 1, 'lenient',"
        " 'under_correction', '2026-01-15', :t, 1)"), {"b": b"\x00", "t": "2026-01-01 00:00:00"})


def test_up_down_up_with_the_level_backfill(empty_database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        flask_migrate.upgrade(revision="0001")
        _unit_and_subject()
        db.session.commit()
        flask_migrate.upgrade()
        spans = db.session.execute(sa.text("SELECT subject_id, level, valid_from, valid_to FROM subject_levels"))
        assert [(r[0], r[1], str(r[2]), r[3]) for r in spans] == [(1, "lenient", str(date(2026, 1, 5)), None)]
        db.session.commit()
        flask_migrate.downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade()
        assert "reports" in sa.inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()


def _checkin(serial: int, captured_at: str) -> dict:
    return {"id": serial, "client": f"c{serial}", "at": captured_at}


def test_check_ins_survive_partitioning_and_its_downgrade(empty_database_url):
    """0011 copies the stored fixes into the partitioned table (a month's partition each, on PostgreSQL), keeps
    their ids and the sequence, and 0010 copies them back."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    insert = sa.text(
        "INSERT INTO checkins (id, subject_id, client_id, lat, lng, coord_type, accuracy_m, is_mock, captured_at,"
        " received_at, offline, wgs_lat, wgs_lng, verdict) VALUES (:id, 1, :client, 39.05, 121.72, 'wgs84', 10,"
        " false, :at, :at, false, 39.05, 121.72, 'inside')")
    with app.app_context():
        flask_migrate.upgrade(revision="0010")
        _unit_and_subject()
        for serial, at in ((1, "2026-03-31 16:30:00+00:00"), (2, "2026-10-02 01:00:00+00:00")):
            db.session.execute(insert, _checkin(serial, at))
        db.session.commit()
        flask_migrate.upgrade()
        assert db.session.scalars(sa.text("SELECT id FROM checkins ORDER BY id")).all() == [1, 2]
        if db.engine.dialect.name == "postgresql":  # 2026-03-31 16:30 UTC is April in Asia/Shanghai
            placed = db.session.execute(sa.text("SELECT id, tableoid::regclass::text FROM checkins ORDER BY id"))
            assert placed.all() == [(1, "checkins_y2026m04"), (2, "checkins_y2026m10")]
            # the two rows above were inserted with their ids; the sequence is where real inserts would have left it
            db.session.execute(sa.text("SELECT setval('checkins_id_seq', 2)"))
        new_id = db.session.execute(sa.text(
            "INSERT INTO checkins (subject_id, client_id, lat, lng, coord_type, accuracy_m, is_mock, captured_at,"
            " received_at, offline, wgs_lat, wgs_lng, verdict) VALUES (1, 'c3', 39.05, 121.72, 'wgs84', 10, false,"
            " :at, :at, false, 39.05, 121.72, 'inside') RETURNING id"), {"at": "2026-11-02 01:00:00+00:00"}).scalar()
        assert new_id == 3
        db.session.commit()
        flask_migrate.downgrade(revision="0010")
        assert db.session.scalars(sa.text("SELECT id FROM checkins ORDER BY id")).all() == [1, 2, 3]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
