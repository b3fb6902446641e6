"""The actions admin: list with filters and search, a form that applies the model's rules."""

from actions.models import Action

CHANGELIST = "/admin/actions/action/"


def test_the_list_shows_actions_and_filters_by_runner_type(admin_browser, make_action):
    make_action("demo.restart", tags=["ops"])
    page = admin_browser.get(CHANGELIST, {"runner_type__exact": "python"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "demo.restart" in html and "core.echo" not in html
    assert "core.echo" in admin_browser.get(CHANGELIST, {"runner_type__exact": "builtin"}).content.decode()


def test_the_list_searches_tags_and_refs(admin_browser, make_action):
    make_action("demo.restart", tags=["nightly-ops"])
    make_action("demo.backup")
    html = admin_browser.get(CHANGELIST, {"q": "nightly"}).content.decode()
    assert "demo.restart" in html and "demo.backup" not in html


def test_the_admin_creates_an_action_with_the_models_rules(admin_browser, make_pack):
    pack = make_pack("demo")
    form = {
        "ref": "demo.restart", "pack": pack.pk, "label": "Restart", "description": "", "enabled": "on",
        "runner_type": "python", "entry_point": "restart.py", "parameters": "{}", "output": "null",
        "parameter_delivery": "stdin", "parameter_format": "json", "output_format": "text", "timeout": "",
        "tags": "ops, ops",
    }  # fmt: skip
    response = admin_browser.post(f"{CHANGELIST}add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    action = Action.objects.get(ref="demo.restart")
    assert (action.entry_point, action.tags, action.output) == ("restart.py", ["ops"], None)
    bad = admin_browser.post(f"{CHANGELIST}add/", {**form, "ref": "demo.bad", "entry_point": "../x.py"})
    assert bad.status_code == 200 and "must be a relative path inside" in bad.content.decode()
    assert not Action.objects.filter(ref="demo.bad").exists()


def test_the_admin_cannot_add_an_action_to_the_core_pack(admin_browser):
    from packs.models import Pack

    form = {
        "ref": "core.mine", "pack": Pack.objects.get(ref="core").pk, "label": "Mine", "runner_type": "builtin",
        "entry_point": "echo", "parameters": "{}", "output": "null", "parameter_delivery": "stdin",
        "parameter_format": "json", "output_format": "text",
    }  # fmt: skip
    response = admin_browser.post(f"{CHANGELIST}add/", form)
    assert response.status_code == 200 and "core pack" in response.content.decode()
    assert not Action.objects.filter(ref="core.mine").exists()
