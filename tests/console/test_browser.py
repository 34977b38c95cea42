"""The console end to end in headless Chromium against a real server: an officer signs in with the keyboard,
approves a pending request and resolves an alert; an inspector signs in and downloads a list's XLSX export."""

import time

import openpyxl
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from correction import clock
from correction.db import db
from correction.models import Alert, LeaveRequest, Sanction
from correction.services import inspections
from tests.apps import at
from tests.console.browser import WAIT_S, log_in, wait_for
from tests.console.scenario import alert_for, ask_leave, supervisee
from tests.factories import PASSWORD


@pytest.fixture
def me(client, world):
    headers = supervisee(client, world)
    with at(2026, 11, 26):
        yield headers


def test_an_officer_approves_a_request_and_resolves_an_alert(app, client, world, me, live, browser):
    request_id = ask_leave(client, me)
    alert_id = alert_for(app, world, title="未按时提交定期报告（浏览器）")
    log_in(browser, live, "officer_a1", PASSWORD)
    assert browser.current_url == f"{live}/console/"
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)  # the first stop is the skip link
    assert browser.switch_to.active_element.text == "跳到主要内容"

    browser.find_element(By.CSS_SELECTOR, f'#queue-h ~ table a[href="/console/leave/{request_id}"]').click()
    wait_for(browser, "#approve-opinion").send_keys("同意，按时销假。")
    browser.find_element(By.ID, "approve").click()
    wait_for(browser, ".flash.success", "已批准。")
    assert browser.find_element(By.ID, "leave-status").text == "已批准"

    browser.find_element(By.LINK_TEXT, "告警").click()
    wait_for(browser, "table").find_element(By.LINK_TEXT, "未按时提交定期报告（浏览器）").click()
    wait_for(browser, 'input[name="disposition"][value="admonition"]').click()
    browser.find_element(By.ID, "note").send_keys("经个别谈话，予以训诫。")
    browser.find_element(By.ID, "resolve").click()
    wait_for(browser, ".flash.success", "告警已处理。")
    assert browser.find_element(By.ID, "alert-status").text == "已处理"

    with app.app_context():
        assert db.session.get(LeaveRequest, request_id).status == "approved"
        assert db.session.get(Alert, alert_id).disposition == "admonition"
        assert db.session.query(Sanction).filter_by(alert_id=alert_id).count() == 1


def test_an_inspector_downloads_a_lists_xlsx_export(app, client, world, me, live, browser, downloads):
    ask_leave(client, me)
    with app.app_context():
        inspection = inspections.generate(world.units["county_a"], "2026Q4", clock.now())
        inspection_id, items = inspection.id, inspection.item_count
    before = set(downloads.iterdir())
    log_in(browser, live, "inspector_a", PASSWORD)
    assert browser.current_url == f"{live}/console/inspections"
    browser.find_element(By.LINK_TEXT, "2026Q4").click()
    wait_for(browser, "#export-xlsx").click()

    deadline = time.monotonic() + WAIT_S
    while not (new := [p for p in set(downloads.iterdir()) - before if p.suffix == ".xlsx"]):
        assert time.monotonic() < deadline, "the browser saved no XLSX file"
        time.sleep(0.1)  # waiting for the browser to finish writing a real file
    rows = list(openpyxl.load_workbook(new[0]).active.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row[0] == "序号")
    assert rows[header] == inspections.EXPORT_HEADERS
    assert len(rows) - header - 1 == items > 0
    assert browser.current_url == f"{live}/console/inspections/{inspection_id}"  # a download, not a navigation
