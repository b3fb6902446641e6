"""Login, refresh, logout, the current user, and what tokens are refused."""

import base64
import json
import time
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from packs.models import Pack
from tests.conftest import PASSWORD, assert_error


def login(client, login="operator", password=PASSWORD, **headers):
    return client.post("/auth/login", {"login": login, "password": password}, **headers)


def test_login_refresh_logout_round_trip(make_user):
    user = make_user("operator", perms=["packs.add_pack"])
    client = APIClient()

    response = login(client)
    assert response.status_code == 200
    tokens = response.json()["data"]
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["user"] == {"id": user.id, "login": "operator", "display_name": "operator"}

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    created = client.post("/api/v1/packs", {"ref": "mine", "label": "Mine", "version": "1.0.0"})
    assert created.status_code == 201
    assert Pack.objects.filter(ref="mine").exists()

    refreshed = client.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    new_tokens = refreshed.json()["data"]
    assert new_tokens["refresh_token"] != tokens["refresh_token"]
    assert new_tokens["user"]["login"] == "operator"

    # Rotation: the used refresh token no longer works.
    reused = client.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert_error(reused, 401, "UNAUTHORIZED")

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new_tokens['access_token']}")
    assert client.get("/auth/me").status_code == 200

    logged_out = client.post("/auth/logout", {"refresh_token": new_tokens["refresh_token"]})
    assert logged_out.status_code == 200
    assert logged_out.json() == {"success": True, "message": "Logged out successfully"}
    assert_error(
        client.post("/auth/refresh", {"refresh_token": new_tokens["refresh_token"]}), 401, "UNAUTHORIZED"
    )


@pytest.mark.parametrize(
    "login_name, password",
    [("operator", "wrong-password"), ("nobody", PASSWORD), ("OPERATOR", PASSWORD)],
)
def test_login_rejects_bad_credentials(make_user, login_name, password):
    make_user("operator")
    body = assert_error(login(APIClient(), login_name, password), 401, "UNAUTHORIZED")
    assert body["error"] == "Invalid login or password"


def test_login_rejects_inactive_user(make_user):
    make_user("operator", active=False)
    assert_error(login(APIClient()), 401, "UNAUTHORIZED")


def test_login_requires_both_fields(db):
    body = assert_error(APIClient().post("/auth/login", {"login": "x"}), 400, "VALIDATION_ERROR")
    assert body["details"] == {"password": ["This field is required."]}


def test_login_is_rate_limited(make_user, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "2/min"})
    make_user("operator")
    client = APIClient()
    assert login(client, password="bad").status_code == 401
    assert login(client, password="bad").status_code == 401
    response = login(client)
    assert_error(response, 429, "TOO_MANY_REQUESTS")
    assert int(response["Retry-After"]) > 0


def test_forwarded_for_header_does_not_escape_the_login_limit(make_user, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "2/min"})
    make_user("operator")
    client = APIClient()
    for address in ("10.0.0.1", "10.0.0.2"):
        assert login(client, password="bad", HTTP_X_FORWARDED_FOR=address).status_code == 401
    assert_error(login(client, HTTP_X_FORWARDED_FOR="10.0.0.3"), 429, "TOO_MANY_REQUESTS")


def test_refresh_rejects_an_access_token(make_user):
    access = str(RefreshToken.for_user(make_user()).access_token)
    assert_error(APIClient().post("/auth/refresh", {"refresh_token": access}), 401, "UNAUTHORIZED")


def test_refresh_rejects_a_token_of_a_deactivated_user(make_user):
    user = make_user()
    refresh = str(RefreshToken.for_user(user))
    user.is_active = False
    user.save()
    assert_error(APIClient().post("/auth/refresh", {"refresh_token": refresh}), 401, "UNAUTHORIZED")


def test_refresh_rejects_a_token_of_a_deleted_user(make_user):
    user = make_user()
    refresh = str(RefreshToken.for_user(user))
    user.delete()
    assert_error(APIClient().post("/auth/refresh", {"refresh_token": refresh}), 401, "UNAUTHORIZED")


def test_logout_rejects_garbage(db):
    assert_error(APIClient().post("/auth/logout", {"refresh_token": "garbage"}), 401, "UNAUTHORIZED")


def test_me_returns_user_and_permissions(make_user):
    user = make_user("operator", perms=["workflows.change_workflow", "packs.add_pack"])
    user.first_name, user.last_name = "Ada", "Lovelace"
    user.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    data = client.get("/auth/me").json()["data"]
    assert data["login"] == "operator"
    assert data["display_name"] == "Ada Lovelace"
    assert data["permissions"] == ["packs.add_pack", "workflows.change_workflow"]
    assert data["is_superuser"] is False


def test_me_requires_a_token(db):
    assert_error(APIClient().get("/auth/me"), 401, "UNAUTHORIZED")


# --- refused tokens -------------------------------------------------------------------------


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(user) -> dict:
    now = int(time.time())
    return {"token_type": "access", "user_id": str(user.id), "jti": "x" * 32, "iat": now, "exp": now + 600}


def expired_token(user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=timedelta(seconds=-5))
    return str(token)


def alg_none_token(user):
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(user))}."


def wrong_key_token(user):
    return jwt.encode(_claims(user), "not-the-server-key-" * 3, algorithm="HS256")


def refresh_as_access(user):
    return str(RefreshToken.for_user(user))


@pytest.mark.parametrize(
    "header",
    [
        lambda u: f"Bearer {expired_token(u)}",
        lambda u: f"Bearer {alg_none_token(u)}",
        lambda u: f"Bearer {wrong_key_token(u)}",
        lambda u: f"Bearer {refresh_as_access(u)}",
        lambda u: "Bearer not.a.jwt",
        lambda u: "Bearer abc",
        lambda u: "Bearer",
        lambda u: f"Token {AccessToken.for_user(u)}",
        lambda u: f"Bearer {AccessToken.for_user(u)} extra",
    ],
    ids=[
        "expired",
        "alg-none",
        "wrong-key",
        "refresh-token",
        "malformed",
        "garbage",
        "empty",
        "wrong-scheme",
        "two-parts",
    ],
)
def test_bad_tokens_are_refused(make_user, header):
    user = make_user()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header(user))
    assert_error(client.get("/api/v1/packs"), 401, "UNAUTHORIZED")
    assert_error(
        client.post("/api/v1/packs", {"ref": "x", "label": "X", "version": "1.0.0"}), 401, "UNAUTHORIZED"
    )
    assert not Pack.objects.exclude(ref="core").exists()


def test_token_of_deactivated_user_is_refused(make_user):
    user = make_user()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    user.is_active = False
    user.save()
    assert_error(client.get("/api/v1/packs"), 401, "UNAUTHORIZED")


def test_token_signed_with_the_server_key_is_accepted(make_user):
    # The twin of the forged-token cases: the same claims, signed right, pass.
    user = make_user()
    token = jwt.encode(_claims(user), settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/packs").status_code == 200


def test_unauthorized_response_names_the_bearer_scheme(db):
    response = APIClient().get("/api/v1/workflows")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
