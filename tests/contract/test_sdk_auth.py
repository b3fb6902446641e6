"""Attune's client logs in, refreshes and reads and updates the current user, unmodified."""

import pytest
from django.contrib.auth.models import Group
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from attune.auth import serializers as auth_serializers
from tests.conftest import PASSWORD
from tests.contract.conftest import SdkFailed, token_for


def test_sdk_logs_in_with_login_and_password(run_sdk, make_user):
    user = make_user("operator")
    result = run_sdk("login_with_password", login="operator", password=PASSWORD)
    assert result["user"] == {"id": user.id, "login": "operator", "display_name": "operator"}
    assert AccessToken(result["access_token"])["user_id"] == str(user.id)


def test_sdk_login_with_a_wrong_password_fails(run_sdk, make_user):
    make_user("operator")
    with pytest.raises(SdkFailed, match="401"):
        run_sdk("login_with_password", login="operator", password="wrong")


def test_sdk_refresh_rotates_the_refresh_token(run_sdk, make_user):
    old = RefreshToken.for_user(make_user("operator"))
    result = run_sdk("refresh_tokens", refresh_token=str(old))
    assert BlacklistedToken.objects.filter(token__jti=old["jti"]).exists()
    assert RefreshToken(result["refresh_token"])["jti"] != old["jti"]


def test_sdk_reads_the_current_user(run_sdk, make_user):
    user = make_user("editor", perms=["workflows.add_workflow", "workflows.change_workflow"])
    user.groups.add(Group.objects.create(name="workflow-editors"))
    result = run_sdk("get_me", token=token_for(user))
    assert result == {
        "id": user.id,
        "login": "editor",
        "display_name": "editor",
        "auth_provider": "local",
        "is_local": True,
        "can_change_password": False,
        "assigned_permission_set_refs": ["workflow-editors"],
        "effective_permissions": {"packs": ["read"], "workflows": ["read", "create", "update"]},
    }


def test_sdk_without_a_token_cannot_read_the_current_user(run_sdk, db):
    with pytest.raises(SdkFailed, match="401"):
        run_sdk("get_me", token="not-a-token")


def test_sdk_sets_the_display_name(run_sdk, make_user):
    user = make_user("operator")
    result = run_sdk("update_me", token=token_for(user), display_name="Ada Lovelace")
    assert result["display_name"] == "Ada Lovelace"
    user.refresh_from_db()
    assert user.get_full_name() == "Ada Lovelace"


def test_suite_fails_when_the_server_omits_a_field_the_sdk_requires(run_sdk, make_user, monkeypatch):
    # The live server runs in this process, so the patch changes what it answers.
    represent = auth_serializers.CurrentUserSerializer.to_representation

    def without_auth_provider(self, user):
        return {key: value for key, value in represent(self, user).items() if key != "auth_provider"}

    monkeypatch.setattr(auth_serializers.CurrentUserSerializer, "to_representation", without_auth_provider)
    with pytest.raises(SdkFailed, match="KeyError: 'auth_provider'"):
        run_sdk("get_me", token=token_for(make_user("operator")))


def test_suite_fails_when_a_value_has_the_wrong_type(run_sdk, make_user, monkeypatch):
    represent = auth_serializers.CurrentUserSerializer.to_representation
    monkeypatch.setattr(
        auth_serializers.CurrentUserSerializer,
        "to_representation",
        lambda self, user: {**represent(self, user), "is_local": "yes"},
    )
    with pytest.raises(SdkFailed, match=r"body\.data\.is_local: 'yes' is not a <class 'bool'>"):
        run_sdk("get_me", token=token_for(make_user("operator")))
