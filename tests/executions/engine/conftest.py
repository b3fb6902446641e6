"""Workflows run through the real engine (persistence, runners, the inline transport).

The inline transport runs each task run in the test's thread when the transaction that
scheduled it commits; `django_capture_on_commit_callbacks(execute=True)` stands in for the
commit of the test's wrapping transaction and also runs the callbacks those callbacks add.
"""

import pytest
import yaml

from executions import service
from executions.models import Execution
from tests.conftest import DEFINITION  # noqa: F401

# The example packs end to end (test_examples*.py, test_doc_examples.py).
from .examples_support import example_packs, fake_http, standin  # noqa: F401

# An approval: `ask` creates an inquiry, `deploy` waits for its answer (engine, admin and browser tests).
APPROVAL = """
tasks:
  - name: ask
    action: core.ask
    input: {prompt: "Deploy?", response_schema: {approved: {type: boolean, required: true}}}
    next: [{when: "{{ succeeded() }}", do: [deploy]}]
  - name: deploy
    action: core.echo
    wait_for: {inquiry: "{{ task.ask.inquiry_id }}"}
    input: {message: "approved={{ inquiry.deploy.response.approved }}"}
output_map: {said: "{{ task.deploy.stdout }}"}
"""


@pytest.fixture
def flow(make_workflow):
    """A workflow `demo.<name>` from YAML text (or a dict) with an optional param schema."""

    def make(definition, name="flow", param_schema=None, pack=None, **fields):
        if isinstance(definition, str):
            definition = yaml.safe_load(definition)
        definition.setdefault("version", "1.0.0")
        return make_workflow(
            f"demo.{name}", pack=pack, definition=definition, param_schema=param_schema, **fields
        )

    return make


@pytest.fixture
def run_flow(django_capture_on_commit_callbacks, make_user):
    """Start a workflow by ref and run it to the end (or until it waits); its execution."""
    user = make_user("runner", superuser=True)

    def run(ref, parameters=None, **options):
        options.setdefault("executor", user)
        with django_capture_on_commit_callbacks(execute=True):
            execution = service.start_by_ref(ref, parameters, **options)
        execution.refresh_from_db()
        return execution

    return run


class Embedded:
    """Embedded workers: each one sweeps (abandoned leases, retries, stalled advances)."""

    def __init__(self, workers):
        self.workers = workers

    def worker(self, **options):
        return self.workers.embedded(**options)

    def take_over(self, **env):
        """A fresh worker, the one that recovers the dead one's work."""
        return self.workers.embedded(**env)


class Celery:
    """Celery workers over Redis; `attune_scheduler` is the only sweeper."""

    def __init__(self, workers, broker_url):
        self.workers = workers
        self.broker_url = broker_url

    def worker(self, **options):
        return self.workers.celery(self.broker_url, **options)

    def take_over(self, **env):
        self.workers.scheduler(self.broker_url, **env)
        return self.workers.celery(self.broker_url, **env)


@pytest.fixture(
    params=[
        pytest.param("embedded", marks=pytest.mark.worker),
        pytest.param("celery", marks=pytest.mark.celery),
    ]
)
def fleet(request, workers):
    """Real workers of one transport; this process starts workflows through it."""
    if request.param == "embedded":
        request.getfixturevalue("embedded")
        return Embedded(workers)
    return Celery(workers, request.getfixturevalue("celery_transport"))


def task_runs(execution) -> list[tuple]:
    """(task, activation, item, attempt, status) of each task run, in creation order."""
    return list(
        Execution.objects.filter(parent=execution)
        .order_by("id")
        .values_list("task_name", "activation", "item_index", "attempt", "status")
    )
