"""The console's pages through Flask's test client: login with the HttpOnly cookie, CSRF on every form, the
officer's dashboard, decisions, alert resolution and report review, scope (another unit's record is a 404), the
inspector's lists, findings and rectification, and the renewal of a token close to expiry."""

import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec

from config.settings import Production
from correction import clock
from correction.db import db
from correction.models import Alert, AlertType, AuditEntry, LeaveRequest, PushSubscription, Report, Sanction, Subject
from correction.services import inspections
from correction.services.alerts import open_alert
from tests.apps import at, isolated_app
from tests.console.scenario import alert_for, ask_leave, console_login, submit_report, supervisee
from tests.factories import build_world
from tests.fakes.push import Browser


@pytest.fixture
def me(client, world):
    headers = supervisee(client, world)
    with at(2026, 11, 26):
        yield headers


def text(response) -> str:
    return response.get_data(as_text=True)


def test_login_sets_an_httponly_lax_cookie_and_opens_the_dashboard(client, world):
    response = client.post("/console/login", data={"username": "officer_a1", "password": "correct-horse-battery"})
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    cookies = response.headers.getlist("Set-Cookie")
    access = next(c for c in cookies if c.startswith("access_token_cookie="))
    assert "HttpOnly" in access and "SameSite=Lax" in access and "Path=/" in access
    csrf = next(c for c in cookies if c.startswith("csrf_access_token="))
    assert "HttpOnly" not in csrf  # the page's script reads it for the API's X-CSRF-TOKEN header
    page = client.get("/console/")
    assert page.status_code == 200 and "工作台" in text(page) and "officer_a1姓名" in text(page)
    assert "联合巡检" not in text(page)  # a judicial office reads no inspection lists
    assert client.get("/console/inspections").status_code == 403


def test_production_cookies_are_secure():
    assert Production.JWT_COOKIE_SECURE is True and Production.JWT_COOKIE_SAMESITE == "Lax"


def test_without_a_login_pages_send_the_browser_to_the_login_form(client, world):
    response = client.get("/console/subjects?q=x")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/login?next=/console/subjects?q%3Dx"
    wrong = client.post("/console/login", data={"username": "officer_a1", "password": "nope-nope-nope"})
    assert wrong.status_code == 401 and "用户名或密码错误。" in text(wrong)
    admin = client.post("/console/login", data={"username": "admin", "password": "correct-horse-battery"})
    assert admin.status_code == 401 and "此账号不能登录" in text(admin)
    assert client.get_cookie("access_token_cookie") is None


def test_an_unknown_console_address_is_an_html_404(client, world):
    response = client.get("/console/no/such/page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "没有这个页面" in response.get_data(as_text=True)
    with client.get("/console/static/console.css") as static:  # real files still win
        assert static.status_code == 200


def test_login_follows_a_console_next_path_only(client, world):
    inside = client.post("/console/login?next=/console/alerts", data={"username": "officer_a1",
                                                                      "password": "correct-horse-battery"})
    assert inside.headers["Location"] == "/console/alerts"
    outside = client.post("/console/login?next=//evil.example/x", data={"username": "officer_a1",
                                                                         "password": "correct-horse-battery"})
    assert outside.headers["Location"] == "/console/"


def test_the_dashboard_puts_the_fast_track_first_with_its_time_left(app, client, world, me):
    role = {"enterprise_name": "大连某机械有限公司", "credit_code": "91210213MA0XXXXX1B", "role": "manager"}
    client.patch(f"/api/v1/subjects/{world.subjects['a1']}", headers=world.h("officer_a1"),
                 json={"enterprise_role": role, "reason": "核实任职", "level": "ordinary"})
    with at(2027, 2, 1, 9):  # past the new-intake 严管 months
        ask_leave(client, me, start="2027-02-10", end="2027-02-11")
        ask_leave(client, me, start="2027-02-01", end="2027-02-03", reason_type="business", fast_track=True)
        alert_for(app, world)
        console_login(client, "officer_a1")
        page = text(client.get("/console/"))
    queue = page[page.index('id="queue-h"'):page.index('id="alerts-h"')]
    assert queue.index("涉企简捷") < queue.index("2027-02-10")  # fast track first
    assert "剩余 24 小时 0 分" in queue  # decision due 2027-02-02 09:00, the clock at 02-01 09:00
    assert "未按时提交定期报告" in page[page.index('id="alerts-h"'):]


def test_an_officer_approves_and_rejects_with_an_opinion(app, client, world, me):
    first, second = ask_leave(client, me), ask_leave(client, me, start="2026-12-10", end="2026-12-11")
    csrf = console_login(client, "officer_a1")
    detail = client.get(f"/console/leave/{first}")
    assert detail.status_code == 200 and "沈阳市" in text(detail) and "待司法所审批" in text(detail)
    approved = client.post(f"/console/leave/{first}/approve", data={"csrf_token": csrf, "opinion": "同意外出"},
                           follow_redirects=True)
    assert "已批准。" in text(approved) and "意见：同意外出" in text(approved)
    empty = client.post(f"/console/leave/{second}/reject", data={"csrf_token": csrf, "opinion": " "},
                        headers={"Referer": f"http://localhost/console/leave/{second}"}, follow_redirects=True)
    assert "此字段为必填项。" in text(empty)
    client.post(f"/console/leave/{second}/reject", data={"csrf_token": csrf, "opinion": "理由不充分"})
    again = client.post(f"/console/leave/{first}/approve", data={"csrf_token": csrf},
                        headers={"Referer": f"http://localhost/console/leave/{first}"}, follow_redirects=True)
    assert "该申请已由他人处理。" in text(again) and again.request.path == f"/console/leave/{first}"  # the 409
    with app.app_context():
        statuses = dict(db.session.execute(sa.select(LeaveRequest.id, LeaveRequest.status)).all())
    assert statuses == {first: "approved", second: "rejected"}


def test_a_form_post_without_the_csrf_token_changes_nothing(app, client, world, me):
    request_id = ask_leave(client, me)
    console_login(client, "officer_a1")
    refused = client.post(f"/console/leave/{request_id}/approve", data={"opinion": "同意"})
    assert refused.status_code == 400 and "页面已过期" in text(refused)
    forged = client.post(f"/console/leave/{request_id}/approve", data={"opinion": "同意", "csrf_token": "forged"})
    assert forged.status_code == 400
    with app.app_context():
        assert db.session.get(LeaveRequest, request_id).status == "submitted"


def test_an_officer_resolves_an_alert_with_an_admonition(app, client, world, me):
    alert_id = alert_for(app, world)
    csrf = console_login(client, "officer_a1")
    client.post(f"/console/alerts/{alert_id}/acknowledge", data={"csrf_token": csrf})
    page = client.post(f"/console/alerts/{alert_id}/resolve", follow_redirects=True,
                       data={"csrf_token": csrf, "disposition": "admonition", "note": "经谈话，予以训诫。"})
    assert "告警已处理。" in text(page) and "训诫" in text(page)
    with app.app_context():
        alert = db.session.get(Alert, alert_id)
        assert (alert.status, alert.disposition) == ("resolved", "admonition")
        assert alert.resolution_note == "经谈话，予以训诫。"
        assert db.session.scalar(sa.select(Sanction.kind).where(Sanction.alert_id == alert_id)) == "admonition"
        actor = db.session.scalar(sa.select(AuditEntry.actor_id).where(
            AuditEntry.record_type == "alerts", AuditEntry.action == "console.resolve_alert"))
    assert actor == world.users["officer_a1"]


def test_the_alert_page_shows_its_evidence_in_words(app, client, world, me):
    with app.app_context():
        alert_id = open_alert(db.session.get(Subject, world.subjects["a1"]), AlertType.out_of_bounds,
                              dedupe_key="oob:console", title="越界", as_of=clock.now(), evidence={
                                  "signals": [{"id": 3, "kind": "out_of_bounds", "detected_at": clock.now().isoformat(),
                                               "evidence": {"consecutive_outside": 3}}]}).id
    console_login(client, "officer_a1")
    page = text(client.get(f"/console/alerts/{alert_id}"))
    assert "信号 1" in page and "越界" in page and "连续辖区外次数" in page
    assert "consecutive_outside" not in page and "detected_at" not in page


def test_an_officer_reviews_a_report_from_the_queue(app, client, world, me):
    report_id = submit_report(client, me)
    csrf = console_login(client, "officer_a1")
    queue = client.get("/console/reports")
    assert "本周在家务农" in text(queue)
    after = client.post(f"/console/reports/{report_id}/review", follow_redirects=True,
                        data={"csrf_token": csrf, "comment": "内容属实", "flagged": "true"})
    assert "报告已审阅。" in text(after) and "本周在家务农" not in text(after)
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert (report.review_comment, report.flagged, report.reviewed_at is not None) == ("内容属实", True, True)


def test_another_units_records_are_404_and_inspectors_only_read(app, client, world, me):
    request_id, alert_id = ask_leave(client, me), alert_for(app, world)
    console_login(client, "officer_b1")
    for path in (f"/console/subjects/{world.subjects['a1']}", f"/console/leave/{request_id}",
                 f"/console/alerts/{alert_id}"):
        response = client.get(path)
        assert response.status_code == 404 and "不存在" in text(response), path
    csrf = console_login(client, "inspector_a")
    assert client.get(f"/console/alerts/{alert_id}").status_code == 200
    refused = client.post(f"/console/alerts/{alert_id}/resolve",
                          data={"csrf_token": csrf, "disposition": "excused", "note": "x"})
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.get(Alert, alert_id).status == "open"


def test_the_subject_file_plots_recent_fixes_against_the_fence(app, client, world, me):
    for lat, lng in ((39.05, 121.72), (39.06, 121.73), (41.8, 123.4)):  # home twice, then 沈阳 (outside)
        client.post("/api/v1/me/checkins", headers=me, json={
            "lat": lat, "lng": lng, "coord_type": "wgs84", "accuracy_m": 20,
            "captured_at": "2026-11-26T11:50:00+08:00"})
    console_login(client, "officer_a1")
    page = text(client.get(f"/console/subjects/{world.subjects['a1']}"))
    assert page.count('<circle class="fix inside"') == 2 and page.count('<circle class="fix outside"') == 1
    assert '<path class="fence"' in page and "居所周边围栏" in page  # the world's county has no polygon
    assert "https://" not in page[page.index("<svg"):page.index("</svg>")]  # nothing fetched, no tiles
    assert "定期报告" in page  # the obligations


def test_an_inspector_reads_lists_issues_a_finding_and_the_county_rectifies(app, client, world, me):
    ask_leave(client, me)
    with app.app_context():
        inspection = inspections.generate(world.units["county_a"], "2026Q4", clock.now()).id
    csrf = console_login(client, "inspector_a")
    assert client.get("/console/").headers["Location"] == "/console/inspections"
    listing = text(client.get("/console/inspections"))
    assert "2026Q4" in listing and f"/api/v1/inspections/{inspection}/export?format=xlsx" in listing
    filtered = text(client.get(f"/console/inspections/{inspection}?sampled=true"))
    assert "随机抽查" in filtered
    client.post(f"/console/inspections/{inspection}/findings", data={
        "csrf_token": csrf, "kind": "procuratorial_suggestion", "text": "请规范外出审批材料。"})
    page = text(client.get(f"/console/inspections/{inspection}"))
    assert "请规范外出审批材料。" in page and "整改期限" in page and "反馈整改" not in page
    export = client.get(f"/api/v1/inspections/{inspection}/export?format=csv")  # the button's link, cookie auth
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    csrf = console_login(client, "county_a")
    assert "联合巡检" in text(client.get("/console/"))
    finding_id = int(text(client.get("/console/findings")).split('id="finding-')[1].split('"')[0])
    client.post(f"/console/findings/{finding_id}/rectify", data={
        "csrf_token": csrf, "rectified_on": "2026-11-26", "rectification": "已组织培训并补齐材料。"})
    page = text(client.get(f"/console/inspections/{inspection}"))
    assert "整改反馈（2026-11-26）：</strong>已组织培训并补齐材料。" in page


def test_the_api_takes_the_console_cookie_only_with_the_csrf_header(app, client, world):
    csrf = console_login(client, "officer_a1")
    body = Browser("http://127.0.0.1:9/push/console", ec.generate_private_key(ec.SECP256R1()),
                   secrets.token_bytes(16)).subscription
    assert client.get("/api/v1/push/vapid-public-key").status_code == 200
    assert client.post("/api/v1/push-subscriptions", json=body).status_code == 401
    accepted = client.post("/api/v1/push-subscriptions", json=body, headers={"X-CSRF-TOKEN": csrf})
    assert accepted.status_code == 201, accepted.get_json()
    with app.app_context():
        assert db.session.scalar(sa.select(PushSubscription.user_id)) == world.users["officer_a1"]


@pytest.mark.parametrize(("lifetime", "renewed"), [(timedelta(minutes=5), True), (timedelta(minutes=30), False)])
def test_a_token_close_to_expiry_is_renewed_on_a_console_page(database_url, lifetime, renewed):
    with isolated_app(database_url, JWT_ACCESS_TOKEN_EXPIRES=lifetime) as app:
        client = app.test_client()
        with app.app_context():
            build_world(client)
        console_login(client, "officer_a1")
        page = client.get("/console/subjects")
        assert page.status_code == 200
        assert any(c.startswith("access_token_cookie=") for c in page.headers.getlist("Set-Cookie")) is renewed
