"""script/server as a user runs it: migrate, seed the demo, serve with gunicorn; health, OpenAPI, docs, login."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("server")
    port = free_port()
    env = {**os.environ, "PORT": str(port), "WORKERS": "1", "SQJZ_CONFIG": "development",
           "DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}"}
    env.pop("SQJZ_TEST_DATABASE_URL", None)
    log = open(tmp / "server.log", "w")
    process = subprocess.Popen([str(ROOT / "script/server")], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while True:  # waiting for a real process to come up, not standing in for time
            assert process.poll() is None, (tmp / "server.log").read_text()
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or the worker still booting
                pass
            assert time.monotonic() < deadline, "script/server did not answer /healthz in time"
            time.sleep(0.2)
        yield base, tmp / "server.log"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def test_server_answers_health_openapi_docs_and_demo_login(server):
    base, log = server
    assert requests.get(f"{base}/healthz", timeout=5).json() == {"status": "ok"}
    spec = requests.get(f"{base}/api/v1/openapi.json", timeout=5).json()
    validate(spec)
    assert spec["openapi"].startswith("3.") and "/api/v1/subjects" in spec["paths"]
    deadline = time.monotonic() + START_TIMEOUT_S
    while "took the leader lease" not in log.read_text():  # the scheduler runs beside the API
        assert time.monotonic() < deadline, "the scheduler did not start"
        time.sleep(0.2)
    docs = requests.get(f"{base}/api/v1/docs", timeout=5)
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    token = requests.post(f"{base}/api/v1/auth/token", json={"username": "admin", "password": "sqjz-demo"}, timeout=5)
    assert token.status_code == 200 and token.json()["role"] == "admin"
    county = requests.post(f"{base}/api/v1/auth/token", json={"username": "county", "password": "sqjz-demo"},
                           timeout=5).json()["access_token"]
    page = requests.get(f"{base}/api/v1/subjects", headers={"Authorization": f"Bearer {county}"}, timeout=5).json()
    assert page["total"] == 750
    text = log.read_text()
    assert "demo admin admin / sqjz-demo" in text and "subjects created: 750" in text
