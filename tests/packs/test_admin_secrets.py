"""Secret config values in the admin: masked for everyone, as in the API; a superuser sets
them through a write-only field, and what is sent back masked keeps the stored value."""

import json

import pytest
from django.test import Client

from packs.models import Pack

SCHEMA = {"token": {"type": "string", "secret": True}, "channel": {"type": "string"}}
SECRET = "xoxb-very-secret"


@pytest.fixture
def slack(make_pack):
    return make_pack("slack", conf_schema=SCHEMA, config={"token": SECRET, "channel": "#ops"})


def change_url(pack):
    return f"/admin/packs/pack/{pack.pk}/change/"


def pack_form(pack, **overrides) -> dict:
    data = {
        "ref": pack.ref,
        "label": pack.label,
        "description": "",
        "version": pack.version,
        "tags": "",
        "conf_schema": json.dumps(pack.conf_schema),
        "config": json.dumps({"token": "********", "channel": "#ops"}),
        "secret_values": "",
        "meta": "{}",
        "dependencies": "[]",
        "runtime_deps": "[]",
        "worker_selector": "{}",
        "worker_tolerations": "[]",
        "worker_affinity": "{}",
        "workflows-TOTAL_FORMS": "0",
        "workflows-INITIAL_FORMS": "0",
    }
    return {**data, **overrides}


@pytest.fixture
def staff_editor(make_user):
    """Staff with view and change permission on packs, not a superuser."""
    user = make_user("editor", perms=["packs.view_pack", "packs.change_pack"])
    user.is_staff = True
    user.save()
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.mark.parametrize("who", ["superuser", "staff editor"])
def test_the_change_page_shows_secret_values_masked_to_everyone(admin_browser, staff_editor, slack, who):
    browser = admin_browser if who == "superuser" else staff_editor
    page = browser.get(change_url(slack))
    assert page.status_code == 200
    assert SECRET.encode() not in page.content
    assert b"&quot;token&quot;: &quot;********&quot;" in page.content
    assert b"#ops" in page.content  # values not marked secret are shown


def test_a_config_without_secret_marks_is_shown_in_clear(admin_browser, make_pack):
    pack = make_pack("plain", config={"token": SECRET})
    assert SECRET.encode() in admin_browser.get(change_url(pack)).content


def test_saving_with_the_mask_keeps_the_stored_secret(admin_browser, slack):
    data = pack_form(slack, config=json.dumps({"token": "********", "channel": "#alerts"}))
    response = admin_browser.post(change_url(slack), data)
    assert response.status_code == 302, response.content
    slack.refresh_from_db()
    assert slack.config == {"token": SECRET, "channel": "#alerts"}


def test_a_superuser_changes_a_secret_through_the_write_only_field(admin_browser, slack):
    data = pack_form(slack, secret_values=json.dumps({"token": "xoxb-new"}))
    assert admin_browser.post(change_url(slack), data).status_code == 302
    slack.refresh_from_db()
    assert slack.config == {"token": "xoxb-new", "channel": "#ops"}
    assert b"xoxb-new" not in admin_browser.get(change_url(slack)).content


def test_the_write_only_field_is_not_echoed_when_the_form_has_errors(admin_browser, slack):
    data = pack_form(slack, version="not-semver", secret_values=json.dumps({"token": "xoxb-typed"}))
    response = admin_browser.post(change_url(slack), data)
    assert response.status_code == 200
    assert b"xoxb-typed" not in response.content
    slack.refresh_from_db()
    assert slack.config["token"] == SECRET


def test_a_secret_typed_into_the_visible_config_is_refused(admin_browser, slack):
    data = pack_form(slack, config=json.dumps({"token": "xoxb-visible", "channel": "#ops"}))
    response = admin_browser.post(change_url(slack), data)
    assert response.status_code == 200
    assert "is secret: set it in “Secret values”".encode() in response.content
    slack.refresh_from_db()
    assert slack.config["token"] == SECRET


def test_the_write_only_field_takes_only_keys_marked_secret(admin_browser, slack):
    data = pack_form(slack, secret_values=json.dumps({"channel": "#x"}))
    response = admin_browser.post(change_url(slack), data)
    assert response.status_code == 200
    assert b"Not marked secret in conf_schema" in response.content
    slack.refresh_from_db()
    assert slack.config["channel"] == "#ops"


def test_a_staff_editor_has_no_write_only_field_and_keeps_the_secret(staff_editor, slack):
    page = staff_editor.get(change_url(slack))
    assert b'name="secret_values"' not in page.content
    data = pack_form(slack, config=json.dumps({"token": "********", "channel": "#dev"}))
    data["secret_values"] = json.dumps({"token": "ignored"})
    assert staff_editor.post(change_url(slack), data).status_code == 302
    slack.refresh_from_db()
    assert slack.config == {"token": SECRET, "channel": "#dev"}


def test_a_superuser_sees_the_write_only_field(admin_browser, slack):
    assert b'name="secret_values"' in admin_browser.get(change_url(slack)).content


def test_a_new_pack_gets_its_secret_from_the_write_only_field(admin_browser):
    pack = Pack(ref="new", label="New", version="1.0.0", conf_schema=SCHEMA)
    data = pack_form(pack, config=json.dumps({"channel": "#ops"}), secret_values=json.dumps({"token": "t"}))
    assert admin_browser.post("/admin/packs/pack/add/", data).status_code == 302
    assert Pack.objects.get(ref="new").config == {"channel": "#ops", "token": "t"}


def test_the_manifest_text_is_hidden_when_the_pack_has_secret_values(admin_browser, make_pack):
    secret = make_pack(
        "slack", conf_schema=SCHEMA, config={"token": SECRET}, manifest_text=f"token: {SECRET}"
    )
    plain = make_pack("plain", manifest_text="ref: plain")
    assert SECRET.encode() not in admin_browser.get(change_url(secret)).content
    assert b"ref: plain" in admin_browser.get(change_url(plain)).content


def test_a_nul_in_an_admin_json_field_is_a_form_error(admin_browser, slack):
    data = pack_form(slack, meta=json.dumps({"k": "a\x00b"}))
    response = admin_browser.post(change_url(slack), data)
    assert response.status_code == 200
    assert b"NUL character" in response.content


def test_a_viewer_sees_the_config_masked_and_indented(make_user, slack):
    user = make_user("viewer", perms=["packs.view_pack"])
    user.is_staff = True
    user.save()
    browser = Client()
    browser.force_login(user)
    page = browser.get(change_url(slack)).content.decode()
    assert SECRET not in page
    assert (
        '<pre class="attune-readonly">{\n  &quot;token&quot;: &quot;********&quot;,\n  &quot;channel&quot;: &quot;#ops&quot;\n}</pre>'
        in page
    )
