"""GET /leave-requests/monthly/export: the month's approved trips of the caller's county as XLSX or CSV (UTF-8 with
a BOM) under Chinese headers; other counties and months are not in it; bad input is a 422."""

import csv
import io

import pytest
from openpyxl import load_workbook

from correction.services.leave_export import HEADERS
from tests.apps import at
from tests.factories import supervisee_headers
from tests.locations import reported_and_bound

URL = "/api/v1/leave-requests/monthly/export"


@pytest.fixture
def approved(client, world):
    """Subject a1's trip to 沈阳 approved by its office on 2026-11-26 (12:00), and a rejected one."""
    headers = reported_and_bound(client, world)
    with at(2026, 11, 26):
        for start, end, verb in (("2026-12-01", "2026-12-03", "approve"), ("2026-12-10", "2026-12-11", "reject")):
            asked = client.post("/api/v1/me/leave-requests", headers=headers, json={
                "destinations": [{"city_code": "210100", "city_name": "沈阳市"}], "start_date": start,
                "end_date": end, "reason_type": "family", "reason": "探望父母。"}).get_json()
            client.post(f"/api/v1/leave-requests/{asked['id']}/{verb}", json={"opinion": "同意" if verb == "approve"
                                                                               else "理由不充分"},
                        headers=world.h("officer_a1"))
    return headers


ROW = [1, "对象A1", "缓刑", "司法所A1", "外出申请", "沈阳市", "家庭事务", "探望父母。", "2026-12-01", "2026-12-03", 3,
       "司法所", "否", "2026-11-26 12:00", "已批准", ""]


def test_xlsx_has_the_headers_and_the_approved_trip(client, world, approved):
    response = client.get(URL, query_string={"month": "2026-11"}, headers=world.h("inspector_a"))
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows == [list(HEADERS), [None if value == "" else value for value in ROW]]


def test_csv_is_utf8_with_a_bom(client, world, approved):
    response = client.get(URL, query_string={"month": "2026-11", "format": "csv"}, headers=world.h("county_a"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows == [list(HEADERS), [str(value) for value in ROW]]


def test_other_counties_and_months_are_not_in_it(client, world, approved):
    for who, month in (("county_b", "2026-11"), ("county_a", "2026-12")):
        response = client.get(URL, query_string={"month": month, "format": "csv"}, headers=world.h(who))
        assert list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")))) == [list(HEADERS)], who


@pytest.mark.parametrize("query, field", [({"month": "2026-13"}, "month"), ({}, "month"),
                                          ({"month": "2026-11", "format": "pdf"}, "format")])
def test_bad_input_is_a_422(client, world, query, field):
    response = client.get(URL, query_string=query, headers=world.h("county_a"))
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


def test_supervisees_and_administrators_get_403(client, world):
    with at(2026, 11, 26):
        mine = supervisee_headers(client, world)
    for headers in (mine, world.h("admin")):
        assert client.get(URL, query_string={"month": "2026-11"}, headers=headers).status_code == 403
