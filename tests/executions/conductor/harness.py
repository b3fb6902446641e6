"""Drive the conductor with scripted outcomes per task, first-started first-finished unless
`choose` picks which pending run finishes next (the property tests let hypothesis pick)."""

from dataclasses import dataclass, field

from executions.conductor import Context, ResultsCollected, RunFinished, advance, start


@dataclass
class Drive:
    """What one driven execution did: its end, final state, runs started and runs finished."""

    finished: object
    state: dict
    started: list = field(default_factory=list)
    order: list = field(default_factory=list)

    def status(self, task: str):
        return self.state["tasks"].get(task, {}).get("status")


def context(parameters=None, limits=None, config=None, system=None):
    return Context(parameters or {}, config or {}, system or {"execution_id": 1}, 0.0, limits or {})


def drive(definition, parameters=None, outcomes=None, limits=None, choose=None, **names) -> Drive:
    outcomes = {name: list(script) for name, script in (outcomes or {}).items()}
    ctx = context(parameters, limits, **names)
    step = start(definition, ctx)
    pending, done = list(step.start), Drive(None, step.state, list(step.start))
    results = {}
    while step.finished is None and pending:
        spec = pending.pop(choose(pending) if choose else 0)
        done.order.append(spec)
        script = outcomes.get(spec.task) or []
        status, result = script.pop(0) if script else ("succeeded", {"task": spec.task})
        results[(spec.task, spec.activation, spec.item_index)] = result
        event = RunFinished(spec.task, spec.activation, spec.item_index, spec.attempt, status, result)
        step = advance(definition, step.state, event, ctx)
        pending.extend(step.start)
        done.started.extend(step.start)
        step = answer_collects(definition, step, ctx, results, pending, done)
    done.finished, done.state = step.finished, step.state
    return done


def answer_collects(definition, step, ctx, results, pending, done):
    """Answer each `collect` as the engine's persistence does: the latest result per item."""
    asked = list(step.collect)
    while asked and step.finished is None:
        spec = asked.pop(0)
        found = [results.get((spec.task, spec.activation, index)) for index in range(spec.total)]
        step = advance(definition, step.state, ResultsCollected(spec.task, spec.activation, found), ctx)
        pending.extend(step.start)
        done.started.extend(step.start)
        asked.extend(step.collect)
    return step


def run(definition, parameters=None, outcomes=None, limits=None):
    done = drive(definition, parameters, outcomes, limits)
    return done.finished, done.state["variables"], done.started


def chain(*tasks, **fields):
    return {"tasks": list(tasks), **fields}
