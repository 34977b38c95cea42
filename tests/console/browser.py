"""Real browser plumbing for the console tests: Debian's headless Chromium driven by Selenium through Debian's
chromedriver, the test app served on a loopback port by a real HTTP server, and a small DevTools Protocol client
for what WebDriver cannot do (service-worker registrations, delivering a push message to a service worker)."""

import json
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import requests
import websocket
from flask import Flask
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
# The machine is offline: without these Chromium hangs on lookups of Google services (tech notes, machine notes).
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,900", "--lang=zh-CN")
WAIT_S = 15  # for a real browser and server to answer, never standing in for time passing


def chromium(profile: Path, downloads: Path, *extra: str) -> webdriver.Chrome:
    """A fresh headless Chromium with its own profile that saves downloads to `downloads` without asking."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}", *extra):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    return driver


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args) -> None:
        pass


@contextmanager
def serving(app: Flask):
    """Serve `app` with werkzeug's threaded server on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="console-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def wait_for(driver, css: str, text: str | None = None):
    """The element matching `css` once it is on the page (and shows `text`, when given)."""
    wait = WebDriverWait(driver, WAIT_S)
    if text is not None:
        wait.until(expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
    return wait.until(expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css)))


def log_in(driver, base: str, username: str, password: str) -> None:
    """Sign in through the login form with the keyboard, as a person would."""
    driver.get(f"{base}/console/")
    wait_for(driver, "#username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password + "\n")
    wait_for(driver, "form.logout")


class DevTools:
    """One page's DevTools Protocol session over the debugging port chromedriver opened."""

    def __init__(self, driver):
        address = driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
        page = next(t for t in requests.get(f"http://{address}/json/list", timeout=5).json()
                    if t["type"] == "page")
        # No Origin header: Chromium refuses DevTools connections from web origins it was not told to allow.
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=WAIT_S,
                                                  suppress_origin=True)
        self.next_id, self.events = 0, []

    def close(self) -> None:
        self.socket.close()

    def call(self, method: str, **params) -> dict:
        """Send a command and return its result, keeping the events that arrive meanwhile."""
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message["result"]
            self.events.append(message)

    def registration_id(self, scope: str) -> str:
        """The service-worker registration for `scope`, from the ServiceWorker domain's events."""
        self.call("ServiceWorker.enable")
        deadline = time.monotonic() + WAIT_S
        while True:  # the registrations arrive as events right after enable
            for event in self.events:
                if event.get("method") == "ServiceWorker.workerRegistrationUpdated":
                    for registration in event["params"]["registrations"]:
                        if registration["scopeURL"] == scope and not registration["isDeleted"]:
                            return registration["registrationId"]
            assert time.monotonic() < deadline, f"no service worker registered for {scope}"
            self.events.append(json.loads(self.socket.recv()))
