import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from packs.models import Pack
from workflows.models import Workflow

PASSWORD = "correct-horse-battery-staple"
DEFINITION = {"version": "1.0.0", "tasks": [{"name": "start", "action": "core.echo"}]}


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # The login throttle counts in the database cache, so each test's rollback resets it.
    # Hashing with the production hasher costs ~0.3 s per user; it is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Executions run in the test's own process when their transaction commits; the worker
    # integration tests start real workers (embedded and Celery) and say so.
    settings.ATTUNE_ENGINE_TRANSPORT = "inline"


@pytest.fixture
def make_user(db):
    def make(username="operator", perms=(), superuser=False, active=True):
        user = get_user_model().objects.create_user(
            username=username, password=PASSWORD, is_superuser=superuser, is_active=active
        )
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        return user

    return make


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def api_client(make_user):
    """A client authenticated as a superuser (all permissions)."""
    return client_for(make_user("root", superuser=True))


@pytest.fixture
def reader_client(make_user):
    """A client authenticated as an active user without any model permission."""
    return client_for(make_user("reader"))


@pytest.fixture
def admin_browser(make_user):
    """A browser logged in to the Django admin as a staff superuser."""
    user = make_user("boss", superuser=True)
    user.is_staff = True
    user.save()
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def make_pack(db):
    def make(ref="demo", **fields):
        fields.setdefault("label", ref.title())
        fields.setdefault("version", "1.0.0")
        return Pack.objects.create(ref=ref, **fields)

    return make


@pytest.fixture
def make_workflow(db, make_pack):
    def make(ref="demo.echo_flow", pack=None, **fields):
        pack_ref = ref.split(".")[0]
        if pack is None:
            pack = Pack.objects.filter(ref=pack_ref).first() or make_pack(pack_ref)
        fields.setdefault("label", ref.split(".")[1].replace("_", " ").title())
        fields.setdefault("version", "1.0.0")
        fields.setdefault("definition", DEFINITION)
        return Workflow.objects.create(ref=ref, pack=pack, **fields)

    return make


def assert_error(response, status: int, code: str):
    """The response is the error envelope with this status and code."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "code", "details"}, body
    assert body["code"] == code
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["details"], dict)
    return body
