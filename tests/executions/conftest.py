import pytest

from actions.models import Action
from executions.models import Execution, Status
from packs.models import Pack

SECRET_SCHEMA = {
    "message": {"type": "string", "default": "hi"},
    "token": {"type": "string", "secret": True},
}


@pytest.fixture
def make_action(db, make_pack):
    """A built-in action of the foundation runner (noop, echo, fail, sleep) in pack `demo`."""

    def make(ref="demo.echo", entry_point=None, **fields):
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
