"""graph.svg: a workflow's task graph, or with `execution=<id>` that execution's, tasks
coloured by state and the transitions that fired drawn thick; in the `theme` asked for.

The execution's picture is drawn from the definition the execution snapshotted at start, not
the workflow's current one, so it shows the tasks that actually ran.
"""

import re

from django.urls import reverse
from rest_framework import exceptions

from executions.conductor import task_view
from executions.filters import ID_MAX
from executions.models import WorkflowExecution
from workflows.models import Workflow
from workflows.picture import THEME_NAMES, graph_svg
from workflows.validation import describe_graph

ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": ID_MAX}  # what execution_id accepts
THEME_SCHEMA = {"type": "string", "enum": list(THEME_NAMES), "default": THEME_NAMES[0]}

# The admin's theme: html[data-theme] is "light", "dark" or "auto" (follow the system's).
PICTURE_THEME_CSS = (
    "<style>.task-graph{overflow:auto;max-width:100%}.task-graph-dark{display:none}"
    'html[data-theme="dark"] .task-graph-light{display:none}'
    'html[data-theme="dark"] .task-graph-dark{display:block}'
    "@media (prefers-color-scheme: dark){"
    'html:not([data-theme="light"]):not([data-theme="dark"]) .task-graph-light{display:none}'
    'html:not([data-theme="light"]):not([data-theme="dark"]) .task-graph-dark{display:block}}</style>'
)


def execution_id(raw: str) -> int:
    """The `execution` query parameter as a row id; a 400 unless it is one."""
    if not re.fullmatch(r"[0-9]{1,19}", raw) or not 1 <= int(raw) <= ID_MAX:
        raise exceptions.ValidationError({"execution": [f"Must be an integer between 1 and {ID_MAX}."]})
    return int(raw)


def picture_theme(raw: str | None) -> str:
    """The `theme` query parameter (light when absent); a 400 unless it names a theme."""
    if raw is None:
        return THEME_NAMES[0]
    if raw not in THEME_NAMES:
        raise exceptions.ValidationError({"theme": [f"Must be one of: {', '.join(THEME_NAMES)}."]})
    return raw


def child_workflow_links(graph: dict):
    """A `link` for graph_svg: each `type: workflow` task's child workflow by its admin change
    page, for the children that exist (one query, none when no task runs a workflow)."""
    refs = {n["action"] for n in graph["nodes"] if n["type"] == "workflow" and isinstance(n["action"], str)}
    if not refs:
        return None
    pages = {
        ref: reverse("admin:workflows_workflow_change", args=[pk])
        for ref, pk in Workflow.objects.filter(ref__in=refs).values_list("ref", "pk")
    }
    return pages.get


def definition_picture(
    definition: dict, title: str, *, theme: str = "light", states: dict | None = None
) -> str:
    """The SVG of `definition`'s task graph, with tooltips and links to child workflows."""
    graph = describe_graph(definition)
    link = child_workflow_links(graph)
    return graph_svg(graph, title, states, definition=definition, theme=theme, link=link)


def execution_picture(workflow_ref: str, pk: int, theme: str = "light") -> str:
    """The SVG of workflow execution `pk` of `workflow_ref`; 404 if there is no such one.

    One query: an action run, a task run or another workflow's execution has no
    WorkflowExecution row with this ref, and answers like an unknown id.
    """
    workflow_execution = (
        WorkflowExecution.objects.filter(execution_id=pk, workflow_ref=workflow_ref)
        .only("definition", "state")
        .first()
    )
    if workflow_execution is None:
        raise exceptions.NotFound(f"Workflow '{workflow_ref}' has no execution with ID {pk}")
    definition, state = workflow_execution.definition, workflow_execution.state
    states = {task["name"]: task for task in task_view(definition, state)}
    return definition_picture(definition, f"{workflow_ref} #{pk}", theme=theme, states=states)
