"""County A run through the fourth quarter of 2026 through the API, with one irregularity planted per subject (and
one clean file), for the inspection-list tests. Time moves on the clock seam only."""

import tomllib
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime

import sqlalchemy as sa

from config import RuleTable
from config.rules import RULES_DIR
from correction.clock import LOCAL_TZ
from correction.components import components
from correction.db import db
from correction.models import Alert, AlertType, Subject
from correction.services import alert_jobs
from correction.services.alerts import open_alert
from tests.apps import at
from tests.factories import World, bearer, intake_body

SHENYANG = [{"city_code": "210100", "city_name": "沈阳市"}]
HOME = {"lat": 39.05, "lng": 121.72, "coord_type": "wgs84", "accuracy_m": 20}
ENTERPRISE = {"enterprise_name": "大连某机械有限公司", "credit_code": "91210213MA0XXXXX1B", "role": "manager"}

# Who carries which irregularity (the codes county A's final 2026Q4 list must show for them).
PLANTED = {
    "乙越权": {"leave_wrong_level"},
    "丙迟批": {"leave_approved_late"},
    "丁急批": {"leave_short_notice"},
    "戊涉企": {"fast_track_approval", "fast_track_overdue"},
    "己逾期销假": {"late_return"},
    "庚越界": {"out_of_bounds_alert", "sanction_missing"},
    "辛未警告": {"sanction_missing"},
    "壬脱管": {"missed_checkin_alert", "alert_unresolved", "out_of_contact"},
    "癸迟报到": {"report_in_late"},
    "对象A1": {"report_in_late"},  # the world's a1 never reports in
    "子迟解矫": {"release_late"},
    "丑未解矫": {"release_late"},
    "寅迁居": {"relocation_handover_late", "relocation_report_late"},
}
CLEAN = "甲清白"


def local(year, month, day, hour=12, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


@contextmanager
def rules_changed(app, section: str, **values):
    """Run the block under a rule table with some values of one section changed (a region's override)."""
    with open(RULES_DIR / "national.toml", "rb") as fh:
        table = tomllib.load(fh)
    table[section].update(values)
    with app.app_context():
        parts = components()
    key = next(k for k, v in app.extensions.items() if v is parts)
    app.extensions[key] = replace(parts, rules=RuleTable(table))
    try:
        yield
    finally:
        app.extensions[key] = parts


@dataclass
class Scenario:
    app: object
    client: object
    world: World
    ids: dict[str, int] = field(default_factory=dict)
    heads: dict[str, dict] = field(default_factory=dict)

    def post(self, who: str, path: str, when: tuple, body: dict | None = None, status: int = 200) -> dict:
        headers = self.heads[who] if who in self.heads else self.world.h(who)
        with at(*when):
            return ok(self.client.post(f"/api/v1{path}", json=body or {}, headers=headers), status)

    def receive(self, name: str, serial: int, report_in: str | None = "2026-11-25", bind: bool = True,
                **overrides) -> int:
        """Intake on 11-24 (effective 11-20 unless told), report-in recorded on its day, the mini-program bound."""
        body = intake_body(self.world.units["office_a1"], serial, name=name, **overrides)
        subject_id = self.ids[name] = self.post("officer_a1", "/subjects", (2026, 11, 24, 13), body, 201)["id"]
        if report_in:
            day = tuple(int(part) for part in report_in.split("-"))
            when = max(day, (2026, 11, 24, 13, 30))  # recorded on the day, or after the intake for older ones
            self.post("officer_a1", f"/subjects/{subject_id}/report-in", when, {"date": report_in})
        if bind:
            code = self.post("officer_a1", f"/subjects/{subject_id}/activation-code", (2026, 11, 24, 14), status=201)
            with at(2026, 11, 24, 14):
                login = ok(self.client.post("/api/v1/auth/wx-login", json={"code": f"dev:openid-{serial}"}))
                bound = ok(self.client.post("/api/v1/auth/wx-bind", json={
                    "bind_token": login["bind_token"], "id_number": intake_body(0, serial)["id_number"],
                    "name": name, "activation_code": code["code"]}))
            self.heads[name] = bearer(bound["access_token"])
        return subject_id

    def trip(self, name: str, submitted: tuple, start: str, end: str, approved: tuple | None = None,
             departed: tuple | None = None, returned: tuple | None = None, **extra) -> int:
        body = {"destinations": SHENYANG, "start_date": start, "end_date": end, "reason_type": "family",
                "reason": "探望父母。", **extra}
        leave_id = self.post(name, "/me/leave-requests", submitted, body, 201)["id"]
        if approved:
            self.post("officer_a1", f"/leave-requests/{leave_id}/approve", approved, {"opinion": "同意"})
        if departed:
            self.post(name, f"/me/leave-requests/{leave_id}/depart", departed)
        if returned:
            self.post(name, f"/me/leave-requests/{leave_id}/return", returned, {"location": HOME})
        return leave_id

    def check_in(self, name: str, when: tuple) -> None:
        self.post(name, "/me/checkins", when, {**HOME, "captured_at": local(*when).isoformat()}, 201)

    def alert(self, name: str, type: AlertType, key: str, title: str, when: tuple) -> int:
        with self.app.app_context():
            subject = db.session.get(Subject, self.ids[name])
            return open_alert(subject, type, dedupe_key=key, title=title, evidence={}, as_of=local(*when)).id

    def resolve(self, alert_id: int, disposition: str, when: tuple) -> None:
        self.post("officer_a1", f"/alerts/{alert_id}/resolve", when, {"disposition": disposition, "note": "经核实"})


def run_quarter(app, client, world: World) -> Scenario:
    """Plant the irregularities of PLANTED (and one clean file) in county A during 2026Q4."""
    s = Scenario(app, client, world)
    s.ids["对象A1"] = world.subjects["a1"]
    s.receive(CLEAN, 10)
    s.trip(CLEAN, (2026, 11, 26), "2026-12-05", "2026-12-07", (2026, 11, 27), (2026, 12, 5), (2026, 12, 7, 19))

    s.receive("乙越权", 11)
    with rules_changed(app, "leave", office_max_days=10):  # a misconfigured table let the office decide 9 days
        s.trip("乙越权", (2026, 11, 26), "2026-12-01", "2026-12-09", (2026, 11, 27), (2026, 12, 1), (2026, 12, 9))

    s.receive("丙迟批", 12)
    s.trip("丙迟批", (2026, 11, 26), "2026-12-01", "2026-12-03", (2026, 12, 2), (2026, 12, 2), (2026, 12, 3))

    s.receive("丁急批", 13)
    s.trip("丁急批", (2026, 12, 10, 10), "2026-12-11", "2026-12-12", (2026, 12, 10, 11), (2026, 12, 11),
           (2026, 12, 12))

    s.receive("戊涉企", 14, report_in="2026-06-15", judgment_date="2026-06-01", effective_date="2026-06-10",
              term_start="2026-06-10", term_end="2028-06-09", enterprise_role=ENTERPRISE)
    fast = {"fast_track": True, "reason_type": "business", "reason": "签订合同。"}
    s.trip("戊涉企", (2026, 12, 1, 10), "2026-12-02", "2026-12-03", (2026, 12, 1, 15), (2026, 12, 2), (2026, 12, 3),
           **fast)
    late_one = s.trip("戊涉企", (2026, 12, 8, 9), "2026-12-10", "2026-12-11", **fast)
    with app.app_context():
        alert_jobs.alert_missed_fast_track(local(2026, 12, 9, 10))
    s.post("officer_a1", f"/leave-requests/{late_one}/approve", (2026, 12, 9, 16), {"opinion": "同意"})
    s.post("戊涉企", f"/me/leave-requests/{late_one}/depart", (2026, 12, 10))
    s.post("戊涉企", f"/me/leave-requests/{late_one}/return", (2026, 12, 11), {"location": HOME})

    s.receive("己逾期销假", 15)
    away = s.trip("己逾期销假", (2026, 11, 26), "2026-12-14", "2026-12-16", (2026, 11, 27), (2026, 12, 14))
    with app.app_context():
        alert_jobs.alert_late_returns(local(2026, 12, 18))
        late_alert = db.session.scalar(sa.select(Alert.id).where(Alert.subject_id == s.ids["己逾期销假"]))
    s.post("己逾期销假", f"/me/leave-requests/{away}/return", (2026, 12, 20), {"location": HOME})
    s.resolve(late_alert, "admonition", (2026, 12, 21))

    s.receive("庚越界", 16)
    outside = s.alert("庚越界", AlertType.out_of_bounds, "oob:test", "越界：连续定位在执行地范围外", (2026, 12, 5))
    s.post("庚越界", f"/me/alerts/{outside}/contest", (2026, 12, 6), {"explanation": "手机定位漂移，本人在家。"})
    s.post("officer_a1", f"/alerts/{outside}/contest-answer", (2026, 12, 7), {"answer": "经核实属定位漂移。"})
    s.resolve(outside, "excused", (2026, 12, 8))

    s.receive("辛未警告", 17, bind=False)
    for n, day in enumerate((1, 8, 15), start=1):  # the third breach, after two 训诫, calls for a 警告
        alert_id = s.alert("辛未警告", AlertType.report_overdue, f"report:test:{n}", f"未按时提交定期报告（第{n}次）",
                           (2026, 12, day))
        s.resolve(alert_id, "admonition", (2026, 12, day + 1))

    s.receive("壬脱管", 18)  # bound, never a fix, and its missed check-in alert left open
    s.alert("壬脱管", AlertType.missed_checkin, "missed:test", "未按要求签到", (2026, 12, 1))

    s.receive("癸迟报到", 19, report_in="2026-12-05")

    s.receive("子迟解矫", 20, report_in="2024-12-05", bind=False, judgment_date="2024-11-20",
              effective_date="2024-12-01", term_start="2024-12-01", term_end="2026-11-30")
    s.post("officer_a1", f"/subjects/{s.ids['子迟解矫']}/release", (2026, 12, 10),
           {"date": "2026-12-10", "type": "expiry"})
    s.receive("丑未解矫", 21, report_in="2024-12-20", bind=False, judgment_date="2024-12-05",
              effective_date="2024-12-15", term_start="2024-12-15", term_end="2026-12-14")

    s.receive("寅迁居", 22)
    moving = s.post("寅迁居", "/me/relocation-requests", (2026, 11, 26), {
        "new_address": "辽宁省大连市甘井子区红旗西路8号", "new_county_code": "210214", "reason": "随子女共同生活",
        "move_date": "2026-12-20"}, 201)["id"]
    path = f"/relocation-requests/{moving}"
    s.post("county_a", f"{path}/consult", (2026, 11, 27), {"sent_on": "2026-11-27"})
    s.post("county_a", f"{path}/consult-reply", (2026, 11, 30), {"reply_on": "2026-11-30", "agreed": True})
    s.post("county_a", f"{path}/approve", (2026, 12, 1))  # hand-over due 12-06, report-in due 12-08
    s.post("county_a", f"{path}/handover", (2026, 12, 10), {"handed_over_on": "2026-12-10",
                                                           "target_office_id": world.units["office_b1"]})
    s.post("county_b", f"{path}/reported", (2026, 12, 12), {"reported_on": "2026-12-12"})

    for name in s.heads:  # everyone bound checks in near the quarter's end, except the one out of contact
        if name not in ("壬脱管", "寅迁居"):
            s.check_in(name, (2026, 12, 28))
    return s
