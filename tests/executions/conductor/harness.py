"""Drive the conductor with scripted outcomes per task, first-started first-finished."""

from executions.conductor import Context, RunFinished, advance, start


def run(definition, parameters=None, outcomes=None, limits=None):
    outcomes = {name: list(script) for name, script in (outcomes or {}).items()}
    context = Context(parameters or {}, {}, {"execution_id": 1}, 0.0, limits or {})
    step = start(definition, context)
    pending, started = list(step.start), list(step.start)
    while step.finished is None and pending:
        spec = pending.pop(0)
        script = outcomes.get(spec.task) or []
        status, result = script.pop(0) if script else ("succeeded", {"task": spec.task})
        event = RunFinished(spec.task, spec.activation, spec.item_index, spec.attempt, status, result)
        step = advance(definition, step.state, event, context)
        pending.extend(step.start)
        started.extend(step.start)
    return step.finished, step.state["variables"], started
