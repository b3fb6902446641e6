"""Headless Chromium (Debian's `chromium` and `chromium-driver`) driving a live server.

The tests are skipped, with the reason, only when the browser or its driver is absent;
`.ci/run` installs both, so CI always runs them. Screenshots of each step go to
var/screenshots/<test>-<step>.png (git-ignored; CI keeps them as artefacts).
"""

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import PASSWORD
from tests.executions.conftest import demo, embedded, workers  # noqa: F401 (real worker processes)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
WAIT_SECONDS = 20

# Without the background-networking flags Chromium keeps calling out, and a closed network refuses it.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


def missing_browser() -> str:
    missing = [name for name, path in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)) if not path]
    if missing:
        return (
            f"browser tests need {' and '.join(missing)} (Debian: apt-get install chromium chromium-driver)"
        )
    return ""


def pytest_collection_modifyitems(config, items):
    reason = missing_browser()
    if reason and os.environ.get("ATTUNE_REQUIRE_BROWSER"):
        # CI installs the browser: there, its absence fails the run instead of skipping.
        raise pytest.UsageError(reason)
    if reason:
        for item in items:
            if "tests/browser/" in str(item.fspath).replace("\\", "/"):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def driver():
    """One browser per module, with a fresh profile; the system chromedriver (no download)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="attune-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    chrome = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    chrome.implicitly_wait(0.5)
    yield chrome
    chrome.quit()
    shutil.rmtree(profile, ignore_errors=True)


class Browser:
    """The driver at the live server's address, with explicit waits and screenshots."""

    def __init__(self, driver, base_url: str, test_name: str):
        self.driver = driver
        self.base_url = base_url
        self.test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)

    def get(self, path: str):
        self.driver.get(self.base_url + path)

    def find(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def wait_for(self, condition, timeout: float = WAIT_SECONDS, what: str = "the condition"):
        """Poll `condition(driver)` until it is truthy (WebDriverWait), and return its value."""
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(condition, f"waiting for {what}")

    def wait_css(self, css: str, timeout: float = WAIT_SECONDS):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        return self.wait_for(ec.presence_of_element_located((By.CSS_SELECTOR, css)), timeout, css)

    def wait_text(self, css: str, text: str, timeout: float = WAIT_SECONDS):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        return self.wait_for(
            ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text), timeout, f"{text!r} in {css}"
        )

    def screenshot(self, step: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.test_name}-{step}.png"
        self.driver.save_screenshot(str(path))
        return path

    def login(self, username: str, password: str = PASSWORD):
        self.driver.delete_all_cookies()
        self.get("/admin/login/?next=/admin/")
        self.wait_css("input[name=username]").send_keys(username)
        self.find("input[name=password]").send_keys(password)
        self.find("input[type=submit], button[type=submit]").click()
        self.wait_css("#user-tools")


@pytest.fixture
def browser(driver, live_server, request):
    return Browser(driver, live_server.url, request.node.name)


@pytest.fixture
def operator(transactional_db):
    """A staff superuser, committed so the live server's threads and the workers see it."""
    return get_user_model().objects.create_user(
        username="operator", password=PASSWORD, is_staff=True, is_superuser=True
    )


@pytest.fixture
def logged_in(browser, operator):
    browser.login(operator.username)
    return browser
