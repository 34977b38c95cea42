"""GET /stats: roles, each role's scope, and bad periods answered with the 422 envelope."""

import pytest

from tests.factories import supervisee_headers

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


def get(client, world, who: str | None, query=NOVEMBER):
    return client.get("/api/v1/stats", query_string=query, headers=world.h(who) if who else {})


@pytest.mark.parametrize("who, received", [
    ("officer_a1", 1), ("officer_a2", 0), ("county_a", 1), ("inspector_a", 1),
    ("officer_b1", 1), ("county_b", 1), ("inspector_b", 1), ("admin", 2)])
def test_each_role_counts_its_own_scope(client, world, frozen, who, received):
    response = get(client, world, who)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["from"], body["to"]) == ("2026-11-01", "2026-11-30")
    assert body["received"] == body["active_at_end"] == received and body["active_at_start"] == 0
    assert body["by_category"]["probation"]["received"] == received
    assert body["by_level"]["ordinary"]["active_at_end"] == received
    assert set(body["leave_approved_by_level"]) == {"judicial_office", "county_agency"}
    assert body["reports"]["by_kind"]["periodic"] == {"on_time": 0, "late": 0}


def test_supervisees_and_strangers_get_no_figures(client, world, frozen):
    assert get(client, world, None).status_code == 401
    mine = client.get("/api/v1/stats", query_string=NOVEMBER, headers=supervisee_headers(client, world))
    assert mine.status_code == 403 and mine.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("query, field, code", [
    ({"from": "2026-11-30", "to": "2026-11-01"}, "to", "invalid_period"),
    ({"from": "2025-01-01", "to": "2026-01-02"}, "to", "invalid_period"),
    ({"from": "2026-13-01", "to": "2026-12-31"}, "from", "validation_failed"),
    ({"to": "2026-12-31"}, "from", "validation_failed"),
])
def test_a_bad_period_is_a_422_naming_the_field(client, world, query, field, code):
    response = get(client, world, "county_a", query)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == code and field in error["fields"] and error["message"]
