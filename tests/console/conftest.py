"""Browser fixtures: one headless Chromium for the session (its GCM client pointed at a local fake, so that Web
Push subscriptions resolve offline), and the test's app served on a real loopback port."""

import pytest

from tests.console.browser import chromium, serving
from tests.fakes.gcm import FakeGcm


@pytest.fixture(scope="session")
def gcm():
    with FakeGcm() as fake:
        yield fake


@pytest.fixture(scope="session")
def downloads(tmp_path_factory):
    """Where the browser saves downloads."""
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="session")
def browser(tmp_path_factory, gcm, downloads):
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"), downloads, *gcm.flags)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def live(app, browser):
    """The test's app on a real port; the browser starts the test signed out of every earlier test's server."""
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    with serving(app) as base:
        yield base
    browser.get("about:blank")  # nothing keeps polling the server after it stops
