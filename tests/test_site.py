"""Site-wide pages: the favicon, offline API docs, "View site", and the 403 pages in the admin's look."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

# Any address with a scheme and a host: a page served offline names none but its own.
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)


def admin_look(page: str) -> bool:
    return '<div id="site-name"><a href="/admin/">Attune administration</a></div>' in page and (
        "/static/admin/css/base.css" in page
    )


@pytest.fixture
def viewer(make_user):
    user = make_user("viewer", perms=["packs.view_pack"])
    user.is_staff = True
    user.save()
    browser = Client()
    browser.force_login(user)
    return browser


def test_the_favicon_is_served_as_svg(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content


def test_the_favicon_refuses_a_post(client, db):
    assert client.post("/favicon.ico").status_code == 405


def test_admin_pages_link_the_favicon(admin_browser):
    page = admin_browser.get("/admin/").content.decode()
    assert '<link rel="icon" href="/static/attune/favicon.svg" type="image/svg+xml">' in page
    assert admin_browser.get("/static/attune/favicon.svg").status_code == 200


def test_the_login_page_links_the_favicon_too(client, db):
    assert 'rel="icon" href="/static/attune/favicon.svg"' in client.get("/admin/login/").content.decode()


@pytest.mark.parametrize("path", ["/redoc", "/docs"])
def test_the_api_docs_name_no_other_host(client, db, path):
    response = client.get(path)
    page = response.content.decode()
    assert response.status_code == 200
    assert not EXTERNAL.search(page), EXTERNAL.search(page)
    assert "fonts.googleapis.com" not in page and "cdn" not in page.lower()


def test_redoc_loads_its_script_from_the_sidecar(client, db):
    page = client.get("/redoc").content.decode()
    (script,) = re.findall(r'<script src="([^"]+)"', page)
    assert script.startswith("/static/drf_spectacular_sidecar/redoc/")
    assert client.get(script).status_code == 200
    assert 'rel="icon" href="/static/attune/favicon.svg"' in page


def test_view_site_leads_to_the_api_docs_which_open(admin_browser):
    page = admin_browser.get("/admin/").content.decode()
    (target,) = re.findall(r'<a href="([^"]+)">View site</a>', page)
    assert target == "/docs"
    assert admin_browser.get(target).status_code == 200


def test_a_permission_denied_page_has_the_admins_look(viewer):
    response = viewer.get("/admin/packs/pack/sync/", {"pack": "1"})
    page = response.content.decode()
    assert response.status_code == 403
    assert admin_look(page)
    assert "<h1>Permission denied</h1>" in page
    assert "Ask an administrator for the permission" in page


def test_a_csrf_failure_page_has_the_admins_look_and_says_what_to_do(db):
    user = get_user_model().objects.create_superuser("boss", password="x" * 12)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.post("/admin/packs/pack/add/", {"ref": "demo"})
    page = response.content.decode()
    assert response.status_code == 403
    assert admin_look(page)
    assert "security token (CSRF) was missing or out of date" in page
    assert "Reload the page" in page


@pytest.mark.parametrize("path", ["/redoc", "/docs"])
def test_the_api_docs_forbid_the_browser_any_other_host(client, db, path):
    policy = client.get(path)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"  # Redoc's logo at cdn.redoc.ly is not fetched
    assert all("http" not in sources for sources in directives.values())


def test_only_the_docs_pages_get_that_policy(admin_browser):
    assert "Content-Security-Policy" not in admin_browser.get("/admin/")
