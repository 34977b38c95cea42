"""Idempotency-Key: a retry replays the first response and creates nothing; keys are per user and expire."""

from datetime import timedelta

import sqlalchemy as sa

from correction import clock
from correction.db import db
from correction.models import Subject
from tests.factories import intake_body

SUBJECTS = "/api/v1/subjects"


def count_subjects(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Subject))


def test_a_retry_replays_the_first_response(app, client, world):
    body = intake_body(world.units["office_a1"], 50)
    headers = {**world.h("officer_a1"), "Idempotency-Key": "intake-50"}
    first = client.post(SUBJECTS, json=body, headers=headers)
    second = client.post(SUBJECTS, json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert count_subjects(app) == 3  # two from the world, one from this test


def test_the_same_key_with_another_body_is_refused(client, world):
    headers = {**world.h("officer_a1"), "Idempotency-Key": "k1"}
    assert client.post(SUBJECTS, json=intake_body(world.units["office_a1"], 51), headers=headers).status_code == 201
    other = client.post(SUBJECTS, json=intake_body(world.units["office_a1"], 52), headers=headers)
    assert other.status_code == 422 and other.get_json()["error"]["code"] == "idempotency_key_reused"


def test_keys_are_per_user(app, client, world):
    key = {"Idempotency-Key": "shared-key"}
    a = client.post(SUBJECTS, json=intake_body(world.units["office_a1"], 53), headers={**world.h("officer_a1"), **key})
    b = client.post(SUBJECTS, json=intake_body(world.units["office_b1"], 54), headers={**world.h("officer_b1"), **key})
    assert a.status_code == b.status_code == 201 and a.get_json()["id"] != b.get_json()["id"]


def test_failed_requests_are_not_stored(app, client, world):
    headers = {**world.h("officer_a1"), "Idempotency-Key": "fix-and-retry"}
    bad = intake_body(world.units["office_a1"], 55, term_end="2026-11-21")
    assert client.post(SUBJECTS, json=bad, headers=headers).status_code == 422
    good = client.post(SUBJECTS, json=intake_body(world.units["office_a1"], 55), headers=headers)
    assert good.status_code == 201 and count_subjects(app) == 3


def test_a_key_expires_after_24_hours(app, client, world, frozen):
    headers = {**world.h("officer_a1"), "Idempotency-Key": "daily"}
    client.post(f"{SUBJECTS}/{world.subjects['a1']}/report-in", json={}, headers=headers)
    assert client.post(f"{SUBJECTS}/{world.subjects['a1']}/report-in", json={}, headers=headers).status_code == 200
    with clock.frozen(frozen + timedelta(hours=24, seconds=1)):
        late = client.post(f"{SUBJECTS}/{world.subjects['a1']}/report-in", json={}, headers=headers)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "already_reported"


def test_a_malformed_key_is_refused(client, world):
    headers = {**world.h("officer_a1"), "Idempotency-Key": "x" * 101}
    response = client.post(SUBJECTS, json=intake_body(world.units["office_a1"], 56), headers=headers)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "invalid_idempotency_key"
