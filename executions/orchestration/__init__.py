"""Persistence around the pure conductor: starting workflow executions, the advance step,
cancellation and inquiries (docs/workflow-language.md, "Execution semantics").

The conductor (executions/conductor) decides; this package reads and writes the rows:
`WorkflowExecution` (the definition snapshot, variables, task state), the task runs (child
`Execution` rows) and the event log.
"""

from .advance import advance, advance_on_commit, advance_quietly, finish_and_advance, unadvanced_workflows
from .cancel import cancel_execution, cancel_workflow, cancel_workflow_quietly
from .inquiries import inquiry_changed
from .start import find_workflow, start_workflow

__all__ = [
    "advance",
    "advance_on_commit",
    "advance_quietly",
    "cancel_execution",
    "cancel_workflow",
    "cancel_workflow_quietly",
    "find_workflow",
    "finish_and_advance",
    "inquiry_changed",
    "start_workflow",
    "unadvanced_workflows",
]
