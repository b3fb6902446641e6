"""A workflow's companion action (runner_type `workflow`) follows its workflow.

A pack load writes both from the action file; an API or admin edit of the workflow writes
the workflow only, so the fields they share are copied here, in one UPDATE.
"""

from django.db.models import F
from django.utils import timezone

from actions.models import Action

# Workflow field -> the companion action's field.
SHARED = {
    "label": "label",
    "description": "description",
    "enabled": "enabled",
    "tags": "tags",
    "param_schema": "parameters",
    "out_schema": "output",
}


def follow_workflow(workflow, changed=None) -> int:
    """Copy `workflow`'s shared fields (those in `changed`, default all) to its companion action."""
    names = [name for name in SHARED if changed is None or name in changed]
    if not names:
        return 0
    values = {SHARED[name]: getattr(workflow, name) for name in names}
    if "parameters" in values and values["parameters"] is None:
        values["parameters"] = {}  # an action without parameters has an empty schema
    return Action.objects.filter(workflow_id=workflow.pk).update(
        **values, revision=F("revision") + 1, updated=timezone.now()
    )


def follow_enabled(workflows, enabled: bool) -> int:
    """The admin's bulk enable/disable, for the companions of `workflows` (a queryset)."""
    return Action.objects.filter(workflow__in=workflows).update(
        enabled=enabled, revision=F("revision") + 1, updated=timezone.now()
    )
