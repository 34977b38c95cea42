"""Administration: the organisation (units with fences) and staff accounts."""

import pytest

RING = [[121.4, 38.9], [122.3, 38.9], [122.3, 39.5], [121.4, 39.5], [121.4, 38.9]]
FENCE = {"type": "Polygon", "coordinates": [RING]}


def test_create_the_organisation(client, world):
    admin = world.h("admin")
    county = client.post("/api/v1/units", headers=admin, json={
        "kind": "county_agency", "code": "210281", "name": "瓦房店市社区矫正管理局", "fence": FENCE,
        "fence_coord_type": "gcj02"})
    assert county.status_code == 201, county.get_json()
    county_id = county.get_json()["id"]
    assert county.get_json()["county_id"] == county_id and county.get_json()["fence"] == FENCE
    office = client.post("/api/v1/units", headers=admin, json={
        "kind": "judicial_office", "code": "210281-01", "name": "复州城司法所", "parent_id": county_id})
    procuratorate = client.post("/api/v1/units", headers=admin, json={
        "kind": "procuratorate", "code": "210281-P", "name": "瓦房店市人民检察院", "supervises_id": county_id})
    assert office.get_json()["county_id"] == procuratorate.get_json()["county_id"] == county_id
    listed = client.get("/api/v1/units", query_string={"kind": "judicial_office"}, headers=admin).get_json()
    assert {u["code"] for u in listed["items"]} == {"210213-01", "210213-02", "210214-01", "210281-01"}
    assert client.get(f"/api/v1/units/{county_id}", headers=admin).get_json()["name"] == "瓦房店市社区矫正管理局"


@pytest.mark.parametrize("body, field", [
    ({"kind": "judicial_office", "code": "X1", "name": "孤儿司法所"}, "parent_id"),
    ({"kind": "procuratorate", "code": "X2", "name": "某检察院"}, "supervises_id"),
    ({"kind": "county_agency", "code": "X3", "name": "某局", "fence": {"type": "Point", "coordinates": [1, 2]},
      "fence_coord_type": "wgs84"}, "fence"),
    ({"kind": "county_agency", "code": "X4", "name": "某局", "fence": {
        "type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "fence_coord_type": "wgs84"},
     "fence"),  # a bow-tie: self-intersecting
    ({"kind": "county_agency", "code": "X5", "name": "某局", "fence": FENCE}, "fence_coord_type"),
])
def test_units_that_do_not_fit_are_refused(client, world, body, field):
    response = client.post("/api/v1/units", headers=world.h("admin"), json=body)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


def test_office_parent_must_be_a_county_agency(client, world):
    response = client.post("/api/v1/units", headers=world.h("admin"), json={
        "kind": "judicial_office", "code": "X6", "name": "某所", "parent_id": world.units["office_a1"]})
    assert response.status_code == 422


def test_staff_accounts(client, world):
    admin = world.h("admin")
    created = client.post("/api/v1/users", headers=admin, json={
        "username": "new.officer", "password": "long-enough-pw", "role": "officer",
        "unit_id": world.units["office_a2"], "name": "新干部", "phone": "13700000000"})
    assert created.status_code == 201
    body = created.get_json()
    assert "password" not in body and "password_hash" not in body and body["role"] == "officer"
    login = client.post("/api/v1/auth/token", json={"username": "new.officer", "password": "long-enough-pw"})
    assert login.status_code == 200
    assert client.get(f"/api/v1/users/{body['id']}", headers=admin).get_json()["username"] == "new.officer"
    officers = client.get("/api/v1/users", query_string={"unit_id": world.units["office_a2"]}, headers=admin)
    assert {u["username"] for u in officers.get_json()["items"]} == {"officer_a2", "new.officer"}
    duplicate = client.post("/api/v1/users", headers=admin, json={
        "username": "new.officer", "password": "long-enough-pw", "role": "admin", "name": "重复"})
    assert duplicate.status_code == 409 and duplicate.get_json()["error"]["code"] == "username_taken"


@pytest.mark.parametrize("body, field", [
    ({"role": "inspector", "unit": "office_a1"}, "unit_id"),
    ({"role": "officer", "unit": "proc_a"}, "unit_id"),
    ({"role": "officer", "unit": None}, "unit_id"),
    ({"role": "admin", "unit": None, "password": "short"}, "password"),
])
def test_accounts_that_do_not_fit_are_refused(client, world, body, field):
    payload = {"username": "someone", "password": body.get("password", "long-enough-pw"), "role": body["role"],
               "name": "某人", "unit_id": world.units[body["unit"]] if body["unit"] else None}
    response = client.post("/api/v1/users", headers=world.h("admin"), json=payload)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
