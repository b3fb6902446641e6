"""graph.svg?execution=<id>: the task graph of one workflow execution, tasks coloured by state.

The picture is drawn from the definition the execution snapshotted at start, not the
workflow's current one, so it shows the tasks that actually ran.
"""

import re

from rest_framework import exceptions

from executions.conductor import task_view
from executions.filters import ID_MAX
from executions.models import WorkflowExecution
from workflows.picture import graph_svg
from workflows.validation import describe_graph

ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": ID_MAX}  # what execution_id accepts


def execution_id(raw: str) -> int:
    """The `execution` query parameter as a row id; a 400 unless it is one."""
    if not re.fullmatch(r"[0-9]{1,19}", raw) or not 1 <= int(raw) <= ID_MAX:
        raise exceptions.ValidationError({"execution": [f"Must be an integer between 1 and {ID_MAX}."]})
    return int(raw)


def execution_picture(workflow_ref: str, pk: int) -> str:
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
    return graph_svg(describe_graph(definition), f"{workflow_ref} #{pk}", states)
