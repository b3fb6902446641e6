"""The admin login form is throttled like POST /auth/login: same rate, same counters."""

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tests.conftest import PASSWORD

LOGIN = "/admin/login/"
LOCKED = "Too many login attempts from your address."


@pytest.fixture
def staff(make_user):
    user = make_user("boss", superuser=True)
    user.is_staff = True
    user.save()
    return user


@pytest.fixture(autouse=True)
def two_per_minute(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "2/min"})


def admin_login(browser, password, address="10.0.0.1"):
    data = {"username": "boss", "password": password, "next": "/admin/"}
    return browser.post(LOGIN, data, REMOTE_ADDR=address)


def test_a_correct_password_logs_in_under_the_limit(staff):
    browser = Client()
    response = admin_login(browser, PASSWORD)
    assert response.status_code == 302
    assert browser.session.get("_auth_user_id") == str(staff.pk)


def test_failures_past_the_limit_lock_the_client_out_with_a_clear_message(staff):
    browser = Client()
    for _ in range(2):
        assert LOCKED not in admin_login(browser, "wrong").content.decode()
    response = admin_login(browser, "wrong")
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert "Try again in" in response.content.decode()


def test_a_correct_password_is_refused_while_locked_out(staff):
    browser = Client()
    for _ in range(2):
        admin_login(browser, "wrong")
    response = admin_login(browser, PASSWORD)
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in browser.session


def test_another_client_address_is_not_locked_out(staff):
    for _ in range(3):
        admin_login(Client(), "wrong", address="10.0.0.1")
    browser = Client()
    response = admin_login(browser, PASSWORD, address="10.0.0.2")
    assert response.status_code == 302
    assert browser.session.get("_auth_user_id") == str(staff.pk)


def test_api_login_attempts_count_against_the_admin_login(staff):
    api = APIClient()
    for _ in range(2):
        api.post("/auth/login", {"login": "boss", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    assert LOCKED in admin_login(Client(), PASSWORD).content.decode()
