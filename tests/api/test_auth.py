"""Staff login, token expiry and tampering, role guards."""

import base64
import json
from datetime import timedelta

import pytest

from correction.db import db
from correction.models import User

from tests.factories import PASSWORD, bearer


@pytest.mark.parametrize("username, role", [
    ("admin", "admin"), ("officer_a1", "officer"), ("county_a", "officer"), ("inspector_a", "inspector")])
def test_each_staff_role_logs_in(client, world, username, role):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["role"] == role and body["token_type"] == "Bearer" and body["expires_in"] == 1800
    assert client.get("/api/v1/subjects" if role != "admin" else "/api/v1/units",
                      headers=bearer(body["access_token"])).status_code == 200


@pytest.mark.parametrize("username, password", [("admin", "wrong-password"), ("nobody", PASSWORD)])
def test_bad_credentials_are_401_with_one_message(client, world, username, password):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 401
    assert response.get_json() == {"error": {"code": "invalid_credentials", "message": "用户名或密码错误。"}}


def test_missing_token_is_401(client, world):
    response = client.get("/api/v1/subjects")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_expired_token_is_401(app, client, world):
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(seconds=-1)
    token = client.post("/api/v1/auth/token", json={"username": "officer_a1", "password": PASSWORD}).get_json()
    response = client.get("/api/v1/subjects", headers=bearer(token["access_token"]))
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "访问令牌已过期，请重新登录。"


def _tamper(token: str, **claims) -> str:
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(claims)
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_tampered_token_is_401(client, world):
    token = world.h("officer_a1")["Authorization"].removeprefix("Bearer ")
    forged = _tamper(token, sub=str(world.users["admin"]), role="admin")
    assert client.get("/api/v1/units", headers=bearer(forged)).status_code == 401
    assert client.get("/api/v1/subjects", headers=bearer(token + "x")).status_code == 401


def test_token_of_disabled_user_is_401(app, client, world):
    with app.app_context():
        db.session.get(User, world.users["officer_a1"]).is_active = False
        db.session.commit()
    assert client.get("/api/v1/subjects", headers=world.h("officer_a1")).status_code == 401


@pytest.mark.parametrize("who, path", [
    ("officer_a1", "/api/v1/units"), ("inspector_a", "/api/v1/users"), ("admin", "/api/v1/subjects"),
])
def test_wrong_role_is_403(client, world, who, path):
    response = client.get(path, headers=world.h(who))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
