"""The API docs pages render in Chromium with nothing fetched from another host."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

# Every resource the page asked for (scripts, styles, images, the schema), blocked ones included.
RESOURCES = "return performance.getEntriesByType('resource').map((entry) => entry.name)"


@pytest.mark.parametrize(("path", "part"), [("/redoc", "redoc"), ("/docs", "swagger-ui")])
def test_the_api_docs_render_from_this_server_alone(browser, path, part):
    browser.get(path)
    body = browser.wait_css("body")
    browser.wait_for(
        lambda driver: "Attune API" in body.text and "workflows" in body.text, what="the rendered docs"
    )
    browser.screenshot(part)
    asked = browser.driver.execute_script(RESOURCES)
    assert any(f"/static/drf_spectacular_sidecar/{part}" in name for name in asked), asked
    # What a bundle asks of another host by itself (Redoc's logo from cdn.redoc.ly) is stopped
    # by the page's Content-Security-Policy before any request leaves the browser.
    blocked = " ".join(
        entry["message"]
        for entry in browser.driver.get_log("browser")
        if "Content Security Policy" in entry["message"]
    )
    elsewhere = [name for name in asked if not name.startswith(browser.base_url)]
    assert [name for name in elsewhere if name not in blocked] == []
