"""A workflow's companion action (runner_type `workflow`) follows its workflow.

A pack load writes both from the action file; an API or admin edit of the workflow writes
the workflow only, so the fields they share are copied here, in one UPDATE.
"""

from django.db.models import F
from django.utils import timezone

from actions.models import Action


def shared_fields(workflow) -> dict:
    return {
        "label": workflow.label,
        "description": workflow.description,
        "enabled": workflow.enabled,
        "tags": workflow.tags,
        "parameters": workflow.param_schema or {},
        "output": workflow.out_schema,
    }


def follow_workflow(workflow) -> int:
    """Copy `workflow`'s shared fields to its companion action, if it has one."""
    return Action.objects.filter(workflow_id=workflow.pk).update(
        **shared_fields(workflow), revision=F("revision") + 1, updated=timezone.now()
    )


def follow_enabled(workflows, enabled: bool) -> int:
    """The admin's bulk enable/disable, for the companions of `workflows` (a queryset)."""
    return Action.objects.filter(workflow__in=workflows).update(
        enabled=enabled, revision=F("revision") + 1, updated=timezone.now()
    )
