"""What the console tests start from: a reported-in subject with a bound mini-program, its requests, an alert and a
report made through the API and the services, and a console login through the login form."""

from correction import clock
from correction.db import db
from correction.models import AlertType, Subject
from correction.services.alerts import open_alert
from tests.apps import at
from tests.factories import PASSWORD, supervisee_headers

SHENYANG = [{"city_code": "210100", "city_name": "沈阳市"}]


def supervisee(client, world) -> dict:
    """Subject a1, reported in on 2026-11-23, with its mini-program's Authorization header."""
    with at(2026, 11, 23):
        client.post(f"/api/v1/subjects/{world.subjects['a1']}/report-in", json={}, headers=world.h("officer_a1"))
    return supervisee_headers(client, world)


def ask_leave(client, headers, start="2026-12-01", end="2026-12-03", **extra) -> int:
    body = {"destinations": SHENYANG, "start_date": start, "end_date": end, "reason_type": "family",
            "reason": "母亲住院，前往照顾。", **extra}
    response = client.post("/api/v1/me/leave-requests", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def submit_report(client, headers, content="本周在家务农，按时参加教育学习。") -> int:
    response = client.post("/api/v1/me/reports", json={"kind": "periodic", "content": content}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def alert_for(app, world, key="report_overdue:console", subject="a1", title="未按时提交定期报告") -> int:
    """An alert opened as the scheduler's jobs open them, at the frozen instant."""
    with app.app_context():
        alert = open_alert(db.session.get(Subject, world.subjects[subject]), AlertType.report_overdue,
                           dedupe_key=key, title=title, evidence={"kind": "periodic"}, as_of=clock.now())
        return alert.id


def console_login(client, username: str, password: str = PASSWORD) -> str:
    """Sign in through the console's form; returns the CSRF token its forms carry."""
    response = client.post("/console/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get_cookie("csrf_access_token").value
