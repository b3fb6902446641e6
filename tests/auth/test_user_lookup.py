"""The JWT user lookup (attune.auth.authentication): the ORM's row, read by a precompiled query."""

import jwt
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from attune.auth.authentication import find_user
from tests.auth.test_tokens import _claims
from tests.conftest import assert_error


def columns(user) -> dict:
    return {field.attname: getattr(user, field.attname) for field in user._meta.concrete_fields}


def test_the_user_is_the_orms_row_with_the_orms_types(make_user):
    user = make_user("operator", perms=["packs.add_pack"])
    get_user_model().objects.filter(pk=user.pk).update(first_name="Ada", last_name="L")
    found = find_user(str(user.pk))
    expected = get_user_model().objects.get(pk=user.pk)
    assert columns(found) == columns(expected)
    assert found.is_active is True and found.date_joined.tzinfo is not None  # converted, not raw
    assert found._state.adding is False and found._state.db == "default"
    assert found.has_perm("packs.add_pack")


@pytest.mark.parametrize("user_id", ["999999", "abc", None, ""])
def test_an_unknown_or_malformed_id_finds_nobody(db, user_id):
    assert find_user(user_id) is None


def test_a_request_reads_the_user_in_one_query(make_user):
    user = make_user("reader")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/auth/me").json()
    assert body["data"]["login"] == "reader"
    user_reads = [q["sql"] for q in queries if 'FROM "auth_user"' in q["sql"]]
    assert len(user_reads) == 1 and "auth_user" in user_reads[0]


def test_each_request_sees_the_current_row(make_user):
    user = make_user()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    assert client.get("/api/v1/packs").status_code == 200
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert_error(client.get("/api/v1/packs"), 401, "UNAUTHORIZED")
    get_user_model().objects.filter(pk=user.pk).update(is_active=True)
    assert client.get("/api/v1/packs").status_code == 200
    get_user_model().objects.filter(pk=user.pk).delete()
    assert_error(client.get("/api/v1/packs"), 401, "UNAUTHORIZED")


def test_a_signed_token_with_a_malformed_user_id_is_a_401(make_user):
    user = make_user()
    claims = {**_claims(user), "user_id": "not-a-number"}
    token = jwt.encode(claims, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_error(client.get("/api/v1/packs"), 401, "UNAUTHORIZED")
