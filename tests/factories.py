"""Rows for tests: a two-county world, valid ID numbers, intake bodies, and logged-in headers."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from correction import clock
from correction.models import Role, UnitKind
from correction.rules.identity import check_character
from correction.services import org

PASSWORD = "correct-horse-battery"


def id_number(birth: date = date(1990, 5, 17), serial: int = 1, sex: str = "male", region: str = "210213") -> str:
    """A valid 18-character ID number (GB 11643 check character) for a fictitious person."""
    order = serial % 100 * 10 + (1 if sex == "male" else 2)
    first17 = f"{region}{birth:%Y%m%d}{order:03d}"
    return first17 + check_character(first17)


def intake_body(office_id: int, serial: int = 1, **overrides) -> dict:
    birth = date(1985, 3, 9)
    body = {
        "name": "测试对象", "id_number": id_number(birth, serial), "sex": "male", "birth_date": birth.isoformat(),
        "phone": "13800000000", "category": "probation", "judgment_date": "2026-11-10",
        "effective_date": "2026-11-20", "term_start": "2026-11-20", "term_end": "2028-11-19",
        "office_id": office_id, "level": "ordinary", "address": "辽宁省大连市金州区友谊街道1号",
        "home": {"lat": 39.05, "lng": 121.72, "coord_type": "wgs84"},
    }
    body.update(overrides)
    return body


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def login(client, username: str, password: str = PASSWORD) -> dict:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return bearer(response.get_json()["access_token"])


@dataclass
class World:
    units: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    headers: dict[str, dict] = field(default_factory=dict)
    subjects: dict[str, int] = field(default_factory=dict)

    def h(self, who: str) -> dict:
        return self.headers[who]


# Worlds are built at a fixed instant before every instant the tests freeze, so that results never depend on when
# the suite runs (built on the wall clock late in the day, an intake would sort after the steps a test freezes).
WORLD_BUILT_AT = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai


def build_world(client) -> World:
    """County A (offices A1, A2; procuratorate PA) and county B (office B1; procuratorate PB), at WORLD_BUILT_AT."""
    with clock.frozen(WORLD_BUILT_AT):
        return _build_world(client)


def _build_world(client) -> World:
    world = World()
    for key, county_code in (("a", "210213"), ("b", "210214")):
        county = org.create_unit(UnitKind.county_agency, county_code, f"县级机构{key.upper()}")
        world.units[f"county_{key}"] = county.id
        world.units[f"proc_{key}"] = org.create_unit(
            UnitKind.procuratorate, f"{county_code}-P", f"检察院{key.upper()}", supervises_id=county.id).id
        for n in (1, 2) if key == "a" else (1,):
            world.units[f"office_{key}{n}"] = org.create_unit(
                UnitKind.judicial_office, f"{county_code}-{n:02d}", f"司法所{key.upper()}{n}", parent_id=county.id).id
    staff = {
        "admin": (Role.admin, None),
        "officer_a1": (Role.officer, "office_a1"), "officer_a2": (Role.officer, "office_a2"),
        "county_a": (Role.officer, "county_a"), "inspector_a": (Role.inspector, "proc_a"),
        "officer_b1": (Role.officer, "office_b1"), "county_b": (Role.officer, "county_b"),
        "inspector_b": (Role.inspector, "proc_b"),
    }
    for username, (role, unit) in staff.items():
        user = org.create_user(username, PASSWORD, role, f"{username}姓名", unit_id=world.units.get(unit),
                               phone="0411-12345678")
        world.users[username] = user.id
        world.headers[username] = login(client, username)
    for key, serial in (("a1", 1), ("b1", 2)):
        response = client.post("/api/v1/subjects", headers=world.h(f"officer_{key}"),
                               json=intake_body(world.units[f"office_{key}"], serial, name=f"对象{key.upper()}"))
        assert response.status_code == 201, response.get_json()
        world.subjects[key] = response.get_json()["id"]
    return world


def supervisee_headers(client, world: World, key: str = "a1", openid: str | None = None) -> dict:
    """Bind subject `key` of the world to a mini-program account and return its Authorization header."""
    officer = world.h(f"officer_{key}")
    code = client.post(f"/api/v1/subjects/{world.subjects[key]}/activation-code", headers=officer).get_json()["code"]
    login = client.post("/api/v1/auth/wx-login", json={"code": f"dev:{openid or 'openid-' + key}"}).get_json()
    subject = client.get(f"/api/v1/subjects/{world.subjects[key]}", headers=officer).get_json()
    serial = {"a1": 1, "b1": 2}[key]
    bound = client.post("/api/v1/auth/wx-bind", json={
        "bind_token": login["bind_token"], "id_number": intake_body(0, serial)["id_number"], "name": subject["name"],
        "activation_code": code})
    assert bound.status_code == 200, bound.get_json()
    return bearer(bound.get_json()["access_token"])


def add_resettlement_officers(app, world: World) -> None:
    """Officers with the resettlement role (安置帮教): `resettle_a1` (office A1), `resettle_a` (county A) and
    `resettle_b1` (office B1), logged in beside the world's officers, who lack the role."""
    client = app.test_client()
    with app.app_context(), clock.frozen(WORLD_BUILT_AT):
        for username, unit in (("resettle_a1", "office_a1"), ("resettle_a", "county_a"), ("resettle_b1", "office_b1")):
            user = org.create_user(username, PASSWORD, Role.officer, f"{username}姓名", unit_id=world.units[unit],
                                   resettlement_officer=True)
            world.users[username] = user.id
            world.headers[username] = login(client, username)


def investigation_body(office_id: int, serial: int = 1, **overrides) -> dict:
    """A commission (委托函) from a court, received on 2026-11-20, for the person of `intake_body(…, serial)`."""
    person = intake_body(office_id, serial)
    body = {"commissioner_kind": "court", "commissioner_name": "金州区人民法院",
            "commission_number": "(2026)辽0213刑初1号", "received_on": "2026-11-20", "office_id": office_id,
            "name": person["name"], "id_number": person["id_number"], "sex": person["sex"],
            "address": person["address"], "charge": "危险驾驶罪", "intended_category": "probation"}
    body.update(overrides)
    return body


def notice_body(office_id: int, serial: int = 7, **overrides) -> dict:
    """A prison's advance notice of release for a fictitious man, expected on 2026-12-01."""
    birth = date(1980, 6, 2)
    body = {"office_id": office_id, "name": "刑释人员", "id_number": id_number(birth, serial), "sex": "male",
            "phone": "13700000000", "address": "辽宁省大连市金州区拥政街道2号", "prison_name": "大连监狱",
            "notice_received_on": "2026-11-02", "expected_release_on": "2026-12-01", "key_case": True}
    body.update(overrides)
    return body
