import os

import pytest
import redis

from actions.models import Action
from executions.models import Execution, Status
from executions.service import start_execution
from packs.models import Pack
from tests.executions import procs
from tests.executions.runner_helpers import envs_dir, session_envs_dir  # noqa: F401 (fixtures for every module here)

SECRET_SCHEMA = {
    "message": {"type": "string", "default": "hi"},
    "token": {"type": "string", "secret": True},
}


@pytest.fixture
def make_action(db, make_pack):
    """A built-in action of the foundation runner (noop, echo, fail, sleep) in pack `demo`."""

    def make(ref="demo.echo", entry_point=None, **fields):
        if ref.startswith("core."):  # the shipped core pack is installed by migrate
            return Action.objects.get(ref=ref)
        pack_ref = ref.split(".")[0]
        pack = Pack.objects.filter(ref=pack_ref).first() or make_pack(pack_ref)
        fields.setdefault("label", ref.split(".")[1].title())
        fields.setdefault("runner_type", Action.RunnerType.BUILTIN)
        return Action.objects.create(
            ref=ref, pack=pack, entry_point=entry_point or ref.split(".")[1], **fields
        )

    return make


@pytest.fixture
def make_execution(db):
    """An execution row as a worker would leave it, without running anything."""

    def make(action=None, status=Status.COMPLETED, **fields):
        fields.setdefault("action_ref", action.ref if action else "demo.gone")
        return Execution.objects.create(action=action, status=status, **fields)

    return make


BUILTINS = ("noop", "echo", "fail", "sleep")


@pytest.fixture
def demo(db):
    """A pack `demo` with the foundation's built-in actions: demo.noop, demo.echo, demo.fail, demo.sleep."""
    pack = Pack.objects.create(ref="demo", label="Demo", version="1.0.0")
    return {
        name: Action.objects.create(
            ref=f"demo.{name}", pack=pack, label=name.title(), runner_type="builtin", entry_point=name
        )
        for name in BUILTINS
    }


@pytest.fixture
def embedded(settings):
    """Starting an execution only schedules it: a worker (real or the test) has to claim it."""
    settings.ATTUNE_ENGINE_TRANSPORT = "embedded"
    settings.ATTUNE_WORKER_WAKE_PORT = procs.WAKE_PORT


@pytest.fixture
def start(demo, embedded):
    def start_one(name="noop", parameters=None, **options):
        return start_execution(demo[name], parameters or {}, **options)

    return start_one


@pytest.fixture
def workers(tmp_path):
    """Start real worker processes; every one still running is stopped after the test."""
    started = []

    class Workers:
        def embedded(self, *args, **env):
            child = procs.embedded_worker(tmp_path, *args, name=f"worker{len(started)}", **env)
            started.append(child)
            return child

        def celery(self, broker_url, *args, **env):
            child = procs.celery_worker(tmp_path, broker_url, *args, name=f"celery{len(started)}", **env)
            started.append(child)
            return child

        def scheduler(self, broker_url, **env):
            child = procs.scheduler(tmp_path, broker_url, name=f"scheduler{len(started)}", **env)
            started.append(child)
            return child

    yield Workers()
    for child in started:
        child.stop()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """CI's redis-server (ATTUNE_TEST_REDIS_URL), else one started for this test run."""
    if os.environ.get("ATTUNE_TEST_REDIS_URL"):
        url = os.environ["ATTUNE_TEST_REDIS_URL"]
        # Messages left by an earlier test run name execution ids this run's database reuses.
        redis.Redis.from_url(url).flushdb()
        yield url
        return
    proc, url = procs.start_redis(tmp_path_factory.mktemp("redis"))
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def celery_transport(settings, redis_url):
    """This process publishes runs to the session's Redis, as the web server would."""
    from attune.celery import app

    settings.ATTUNE_ENGINE_TRANSPORT = "celery"
    settings.CELERY_BROKER_URL = redis_url
    app.conf.broker_url = redis_url
    return redis_url
