import pytest

from actions.models import Action
from packs.models import Pack


@pytest.fixture
def make_action(db, make_pack):
    """An action row; its pack is made when it does not exist yet."""

    def make(ref="demo.restart", pack=None, **fields):
        pack_ref = ref.split(".")[0]
        if pack is None:
            pack = Pack.objects.filter(ref=pack_ref).first() or make_pack(pack_ref)
        fields.setdefault("label", ref.split(".")[1].replace("_", " ").title())
        fields.setdefault("runner_type", Action.RunnerType.PYTHON)
        fields.setdefault("entry_point", f"{ref.split('.')[1]}.py")
        return Action.objects.create(ref=ref, pack=pack, **fields)

    return make
