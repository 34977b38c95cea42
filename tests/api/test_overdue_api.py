"""GET /obligations/overdue: scope, any instant, filters, and bad input."""

import pytest

OVERDUE = "/api/v1/obligations/overdue"
DAY_11 = "2026-12-01T09:00:00+08:00"  # subject a1's report-in was due 2026-11-30


def names(client, who, **query):
    response = client.get(OVERDUE, query_string={"as_of": DAY_11, **query}, headers=client.world.h(who))
    assert response.status_code == 200, response.get_json()
    return {(i["subject"]["name"], i["kind"], i["days_late"]) for i in response.get_json()["items"]}


@pytest.fixture
def api(client, world):
    client.world = world
    return client


def test_officers_and_inspectors_see_their_scope(api):
    assert names(api, "officer_a1") == {("对象A1", "report_in", 1)}
    assert names(api, "county_a") == names(api, "inspector_a") == {("对象A1", "report_in", 1)}
    assert names(api, "officer_a2") == set()
    assert names(api, "officer_b1") == {("对象B1", "report_in", 1)}


def test_any_instant_can_be_asked(api):
    assert names(api, "officer_a1", as_of="2026-11-30T23:59:00+08:00") == set()
    assert names(api, "officer_a1", as_of="2027-01-01T08:00:00+08:00") == {("对象A1", "report_in", 32)}


def test_filters_and_paging(api, world):
    assert names(api, "county_a", office_id=world.units["office_a2"]) == set()
    assert names(api, "county_a", kind="periodic") == set()
    body = api.get(OVERDUE, query_string={"as_of": DAY_11, "per_page": 1}, headers=world.h("county_a")).get_json()
    assert (body["total"], len(body["items"]), body["as_of"]) == (1, 1, DAY_11)
    item = body["items"][0]
    assert (item["due"], item["period_start"], item["subject"]["id"]) == ("2026-11-30", None, world.subjects["a1"])


@pytest.mark.parametrize("query", [{"as_of": "2026-12-01T09:00:00"}, {"as_of": "yesterday"}, {"per_page": 0},
                                   {"kind": "everything"}])
def test_bad_queries_are_422(api, world, query):
    response = api.get(OVERDUE, query_string=query, headers=world.h("officer_a1"))
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "validation_failed"


@pytest.mark.parametrize("who, status", [("admin", 403)])
def test_roles_without_files_are_refused(api, world, who, status):
    assert api.get(OVERDUE, headers=world.h(who)).status_code == status
