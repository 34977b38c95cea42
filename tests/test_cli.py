"""Command line: seed-demo (deterministic, idempotent, development only) and create-user."""

from datetime import date

import pytest
import sqlalchemy as sa

from correction import clock, demo
from correction.geo import places
from correction.db import db
from correction.models import (
    Activity, ActivityStatus, ActivityTotal, AssistedPerson, Category, Handover, Investigation, InvestigationStatus,
    Role, Subject, SubjectStatus, SuperviseeAccount, Unit, UnitKind, User,
)
from correction.services.overdue import find_overdue
from tests.apps import isolated_app


@pytest.fixture
def dev_app(database_url):
    """The development configuration on the test database (the demo runs only there)."""
    with isolated_app(database_url, "development", ARGON2_TIME_COST=1, ARGON2_MEMORY_COST_KIB=8) as app:
        yield app


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_seed_demo_builds_the_district_and_is_idempotent(dev_app):
    runner = dev_app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--subjects", "60"])
    assert first.exit_code == 0, first.output
    assert "subjects created: 60 (of 60 planned)" in first.output and "admin" in first.output
    with dev_app.app_context():
        assert count(Unit, Unit.kind == UnitKind.judicial_office) == 25
        assert count(Unit, Unit.kind == UnitKind.procuratorate) == 1
        assert count(User, User.role == Role.officer) == 28  # 26 + two with the resettlement role (安置帮教)
        assert count(User, User.resettlement_officer.is_(True)) == 2
        assert count(Investigation) == 12 and count(Investigation, Investigation.status == InvestigationStatus.closed)
        assert count(AssistedPerson) == 14 and count(Handover)
        assert count(Subject) == 60
        assert count(SuperviseeAccount) == demo.BOUND_DEMO_ACCOUNTS
        categories = set(db.session.scalars(sa.select(Subject.category)))
        assert Category.probation in categories and len(categories) >= 2
        confirmed = db.session.scalar(sa.select(sa.func.sum(Activity.minutes)).where(
            Activity.status == ActivityStatus.confirmed))
        assert confirmed and db.session.scalar(sa.select(sa.func.sum(ActivityTotal.minutes))) == confirmed
    again = runner.invoke(args=["seed-demo", "--subjects", "60"])
    assert again.exit_code == 0 and "units created: 0, users created: 0, subjects created: 0" in again.output
    assert "resettlement people created: 0" in again.output
    with dev_app.app_context():  # the totals were rebuilt, not doubled
        assert db.session.scalar(sa.select(sa.func.sum(ActivityTotal.minutes))) == confirmed
    login = dev_app.test_client().post("/api/v1/auth/token", json={"username": "admin", "password": "sqjz-demo"})
    assert login.status_code == 200 and login.get_json()["role"] == "admin"
    wx = dev_app.test_client().post("/api/v1/auth/wx-login", json={"code": "dev:demo-0001"})
    assert wx.get_json()["bound"] is True


def test_the_plan_is_deterministic_from_the_seed():
    anchor = date(2026, 11, 26)
    one, two = demo.plan_district(7, 200, anchor), demo.plan_district(7, 200, anchor)
    assert one.subjects == two.subjects
    assert demo.plan_district(8, 200, anchor).subjects != one.subjects
    assert len({s.id_number for s in one.subjects}) == 200
    assert any(s.enterprise for s in one.subjects) and any(not s.reported for s in one.subjects)
    fence = places.county_fence(demo.COUNTY_CODE)  # a check-in at home is inside the real boundary
    assert all(fence.place(*s.home, 0, demo.HOME_MARGIN_M).state == "inside" for s in one.subjects)


def test_seed_demo_refuses_outside_development(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "only in the development configuration" in result.output


def test_create_user(app, runner, world):
    result = runner.invoke(args=["create-user", "--username", "ops", "--role", "admin", "--name", "运维"],
                           input="ops-password-1\nops-password-1\n")
    assert result.exit_code == 0, result.output
    assert app.test_client().post("/api/v1/auth/token", json={
        "username": "ops", "password": "ops-password-1"}).status_code == 200
    refused = runner.invoke(args=["create-user", "--username", "ops2", "--role", "officer", "--name", "x"],
                            input="ops-password-1\nops-password-1\n")
    assert refused.exit_code != 0 and "invalid_unit_for_role" in refused.output


def test_awaiting_subjects_in_the_demo_owe_a_report_in(dev_app):
    assert dev_app.test_cli_runner().invoke(args=["seed-demo", "--subjects", "120"]).exit_code == 0
    with dev_app.app_context():
        awaiting = db.session.scalars(sa.select(Subject).where(
            Subject.status == SubjectStatus.awaiting_report)).all()
        reported = count(Subject, Subject.status == SubjectStatus.under_correction)
    assert reported > 100 and all(s.reported_in_on is None and s.report_in_due for s in awaiting)


def test_the_demo_county_is_mostly_on_time(dev_app):
    assert dev_app.test_cli_runner().invoke(args=["seed-demo", "--subjects", "200"]).exit_code == 0
    with dev_app.app_context():
        late = {item.subject_id for item in find_overdue(clock.now()) if item.kind != "report_in"}
        under_correction = count(Subject, Subject.status == SubjectStatus.under_correction)
    assert 0 < len(late) < under_correction * 0.3  # some late reports and hours, as in a real county
