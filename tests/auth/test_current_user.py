"""GET/PUT /auth/me answer Attune's CurrentUserResponse inside `data`."""

import pytest
from django.contrib.auth.models import Group, Permission

from tests.conftest import assert_error, client_for

ATTUNE_KEYS = {
    "id",
    "login",
    "display_name",
    "auth_provider",
    "is_local",
    "can_change_password",
    "assigned_permission_set_refs",
    "effective_permissions",
}


def me(user):
    response = client_for(user).get("/auth/me")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def permissions_of(data) -> dict:
    return {entry["resource"]: entry["actions"] for entry in data["effective_permissions"]}


def test_me_has_every_field_of_attunes_current_user_response(make_user):
    data = me(make_user("operator"))
    assert set(data) >= ATTUNE_KEYS
    assert data["auth_provider"] == "local"
    assert data["is_local"] is True
    assert data["login"] == "operator"


def test_user_without_permissions_may_only_read(make_user):
    assert permissions_of(me(make_user("reader"))) == {"packs": ["read"], "workflows": ["read"]}


def test_model_permissions_become_actions_on_their_resource(make_user):
    user = make_user("editor", perms=["workflows.add_workflow", "workflows.change_workflow"])
    assert permissions_of(me(user)) == {"packs": ["read"], "workflows": ["read", "create", "update"]}


def test_group_permissions_count_and_groups_are_the_permission_sets(make_user):
    user = make_user("packer")
    group = Group.objects.create(name="pack-admins")
    group.permissions.add(Permission.objects.get(codename="delete_pack"))
    user.groups.add(group, Group.objects.create(name="auditors"))
    data = me(user)
    assert data["assigned_permission_set_refs"] == ["auditors", "pack-admins"]
    assert permissions_of(data)["packs"] == ["read", "delete"]


def test_user_without_groups_has_no_permission_sets(make_user):
    assert me(make_user("loner"))["assigned_permission_set_refs"] == []


def test_superuser_may_do_everything(make_user):
    every = ["read", "create", "update", "delete"]
    assert permissions_of(me(make_user("root", superuser=True))) == {"packs": every, "workflows": every}


def test_blank_email_is_null(make_user):
    assert me(make_user("nomail"))["email"] is None


def test_set_email_is_returned(make_user):
    user = make_user("mailer")
    user.email = "ada@example.com"
    user.save()
    assert me(user)["email"] == "ada@example.com"


def test_staff_user_with_a_password_can_change_it(make_user):
    user = make_user("staffer")
    user.is_staff = True
    user.save()
    assert me(user)["can_change_password"] is True


@pytest.mark.parametrize("staff, usable", [(False, True), (True, False)])
def test_others_cannot_change_their_password(make_user, staff, usable):
    user = make_user("someone")
    user.is_staff = staff
    if not usable:
        user.set_unusable_password()
    user.save()
    assert me(user)["can_change_password"] is False


def test_put_me_sets_the_display_name(make_user):
    user = make_user("operator")
    response = client_for(user).put("/auth/me", {"display_name": "  Ada Lovelace "}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["data"]["display_name"] == "Ada Lovelace"
    assert set(body["data"]) >= ATTUNE_KEYS
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.get_full_name()) == ("Ada Lovelace", "", "Ada Lovelace")


@pytest.mark.parametrize("body", [{}, {"display_name": None}, {"display_name": "   "}])
def test_put_me_without_a_name_clears_it(make_user, body):
    user = make_user("operator")
    user.first_name, user.last_name = "Ada", "Lovelace"
    user.save()
    response = client_for(user).put("/auth/me", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["display_name"] == "operator"  # the login stands in
    user.refresh_from_db()
    assert user.get_full_name() == ""


@pytest.mark.parametrize(
    "body, field",
    [
        ({"display_name": "x" * 151}, "display_name"),
        ({"display_name": 5 * [1]}, "display_name"),
        ({"display_name": 0}, "display_name"),  # a JSON string only, never "0"
        ({"display_name": "Ada", "email": "a@example.com"}, "email"),
    ],
)
def test_put_me_refuses_bad_bodies(make_user, body, field):
    user = make_user("operator")
    response = client_for(user).put("/auth/me", body, format="json")
    assert field in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    user.refresh_from_db()
    assert user.first_name == ""


def test_put_me_reports_unknown_and_bad_fields_together(make_user):
    response = client_for(make_user("operator")).put(
        "/auth/me", {"display_name": "x" * 151, "nick": "x"}, format="json"
    )
    assert set(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == {"display_name", "nick"}


def test_put_me_refuses_a_body_that_is_not_an_object(make_user):
    assert_error(
        client_for(make_user("operator")).put("/auth/me", [1], format="json"), 400, "VALIDATION_ERROR"
    )


def test_put_me_requires_a_token(anon_client):
    assert_error(anon_client.put("/auth/me", {"display_name": "X"}, format="json"), 401, "UNAUTHORIZED")


def test_schema_names_the_put_operation_as_attunes_client_does(db, anon_client):
    spec = anon_client.get("/api/schema", {"format": "json"}).json()
    operation = spec["paths"]["/auth/me"]["put"]
    assert (operation["operationId"], operation["tags"]) == ("update_current_user", ["auth"])
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CurrentUserEnvelope"
    }


def test_schema_documents_email_as_nullable(db, anon_client):
    spec = anon_client.get("/api/schema", {"format": "json"}).json()
    email = spec["components"]["schemas"]["CurrentUser"]["properties"]["email"]
    assert (email["format"], email["nullable"]) == ("email", True)


def test_schema_states_that_put_me_refuses_unknown_keys(db, anon_client):
    spec = anon_client.get("/api/schema", {"format": "json"}).json()
    body = spec["components"]["schemas"]["UpdateCurrentUserRequest"]
    assert body["additionalProperties"] is False
    assert body["properties"]["display_name"]["maxLength"] == 150


def test_display_name_longer_than_documented_is_refused_even_if_trimming_would_shorten_it(make_user):
    # JSON Schema's maxLength counts what is sent; DRF trims whitespace before its own check.
    response = client_for(make_user("operator")).put(
        "/auth/me", {"display_name": "a" * 150 + "\x1f"}, format="json"
    )
    assert response.status_code == 400
    assert "150" in response.json()["details"]["display_name"][0]
