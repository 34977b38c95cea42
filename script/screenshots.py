"""Screenshots of the console's main pages from the demo district, for README.md (run by script/screenshots).

It expects a migrated and seeded demo database in $DATABASE_URL (development configuration) with the overdue
alerts opened, adds what the pages show beyond the seed (a fast-track and an ordinary request, check-ins inside and
outside the county, a report, the quarter's inspection list and a finding) through the API as the demo mini-program
and staff accounts, serves the app on a loopback port and photographs each page in headless Chromium.
"""

import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait
from werkzeug.serving import WSGIRequestHandler, make_server

from correction import clock
from correction.rules.quarters import Quarter
from mobile_api import create_app

PASSWORD = "sqjz-demo"
OFFICER, INSPECTOR = "office16", "inspector"  # office16 supervises demo-0002, an enterprise's legal representative
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--lang=zh-CN", "--force-device-scale-factor=1")
LAPTOP, TABLET = (1280, 860), (820, 1180)
# Fixes around the demo subject's home in 金州区 (GCJ-02 like the demo's homes) and one in 中山区, outside it.
FIXES = ((0.0, 0.0), (0.004, 0.003), (-0.003, 0.005), (0.006, -0.004), (-0.14, -0.11))


def prepare(client) -> dict:
    """Add the records the pages show; returns ids to open."""
    token = client.post("/api/v1/auth/wx-login", json={"code": "dev:demo-0002"}).get_json()["access_token"]
    me = {"Authorization": f"Bearer {token}"}
    subject = client.get("/api/v1/me", headers=me).get_json()
    staff = {name: {"Authorization": "Bearer " + client.post("/api/v1/auth/token", json={
        "username": name, "password": PASSWORD}).get_json()["access_token"]} for name in (OFFICER, "county", INSPECTOR)}
    today = clock.today()
    fast = _leave(client, me, today + timedelta(days=2), today + timedelta(days=4), "business", True,
                  "赴沈阳参加汽车配件供货洽谈会。")
    _leave(client, me, today + timedelta(days=20), today + timedelta(days=22), "family", False, "回老家探望父母。")
    home = client.get(f"/api/v1/subjects/{subject['id']}", headers=staff[OFFICER]).get_json()["home"]
    for minutes, (dlat, dlng) in zip((300, 240, 180, 120, 60), FIXES, strict=True):
        captured = (clock.now() - timedelta(minutes=minutes)).isoformat()
        client.post("/api/v1/me/checkins", headers=me, json={
            "lat": home["lat"] + dlat, "lng": home["lng"] + dlng, "coord_type": home["coord_type"],
            "accuracy_m": 25, "captured_at": captured})
    client.post("/api/v1/me/reports", headers=me, json={
        "kind": "periodic", "content": "本月在公司正常经营，按时参加社区教育学习和公益活动，无违法违规情况。"})
    quarter = str(Quarter.containing(today))
    inspection = client.post("/api/v1/inspections", json={"quarter": quarter}, headers=staff["county"]).get_json()
    client.post(f"/api/v1/inspections/{inspection['id']}/findings", headers=staff[INSPECTOR], json={
        "kind": "procuratorial_suggestion", "text": "部分外出审批未附事由证明材料，请规范审批材料的收集和留存。"})
    alert = client.get("/api/v1/alerts?status=open&per_page=1", headers=staff[OFFICER]).get_json()["items"][0]
    return {"subject": subject["id"], "leave": fast, "alert": alert["id"], "inspection": inspection["id"]}


def _leave(client, me, start, end, reason_type, fast_track, reason) -> int:
    response = client.post("/api/v1/me/leave-requests", headers=me, json={
        "destinations": [{"city_code": "210100", "city_name": "沈阳市"}], "start_date": start.isoformat(),
        "end_date": end.isoformat(), "reason_type": reason_type, "reason": reason, "fast_track": fast_track})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def shoot(driver, url: str, path: Path, size: tuple[int, int], full_page: bool = True) -> None:
    """Open `url` at `size` (grown to the page's height) and save a small palette PNG."""
    driver.set_window_size(*size)
    driver.get(url)
    WebDriverWait(driver, 15).until(expected_conditions.presence_of_element_located((By.TAG_NAME, "main")))
    if full_page:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(size[0], min(max(height, size[1]), 2400))
    driver.save_screenshot(str(path))
    Image.open(path).convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"  {path}")


def log_in(driver, base: str, username: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{base}/console/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD + "\n")
    WebDriverWait(driver, 15).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR,
                                                                                     "form.logout")))


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args) -> None:
        pass


def main(out: Path) -> None:
    app = create_app()
    ids = prepare(app.test_client())
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (*FLAGS, f"--user-data-dir={tempfile.mkdtemp()}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    try:
        shoot(driver, f"{base}/console/login", out / "login.png", LAPTOP, full_page=False)
        log_in(driver, base, OFFICER)
        shoot(driver, f"{base}/console/", out / "dashboard.png", LAPTOP)
        shoot(driver, f"{base}/console/", out / "dashboard-tablet.png", TABLET, full_page=False)
        shoot(driver, f"{base}/console/leave/{ids['leave']}", out / "leave.png", LAPTOP)
        shoot(driver, f"{base}/console/alerts/{ids['alert']}", out / "alert.png", LAPTOP)
        shoot(driver, f"{base}/console/reports", out / "reports.png", LAPTOP)
        shoot(driver, f"{base}/console/subjects/{ids['subject']}", out / "subject.png", LAPTOP)
        shoot(driver, f"{base}/console/inbox", out / "inbox.png", LAPTOP)
        log_in(driver, base, INSPECTOR)
        shoot(driver, f"{base}/console/inspections", out / "inspections.png", LAPTOP, full_page=False)
        shoot(driver, f"{base}/console/inspections/{ids['inspection']}", out / "inspection.png", LAPTOP)
    finally:
        driver.quit()
        server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
