"""The conductor's interface: its inputs (context, events) and its output (a Step).

Everything here is plain data so the persistence layer can store and replay it; `state`
inside a Step is JSON and is saved verbatim in WorkflowExecution.state.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Context:
    """What the caller knows and the conductor may read: never the clock or the database."""

    parameters: dict
    config: dict
    system: dict
    now: float
    limits: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RunKey:
    task: str
    activation: int
    item_index: int | None
    attempt: int


@dataclass(frozen=True)
class RunFinished:
    """A task run ended; status is succeeded|failed|timed_out|cancelled|abandoned."""

    task: str
    activation: int
    item_index: int | None
    attempt: int
    status: str
    result: Any


@dataclass(frozen=True)
class InquiryResolved:
    """The inquiry a `wait_for` task waits on was answered, timed out, or is invalid."""

    task: str
    activation: int
    inquiry: dict


@dataclass(frozen=True)
class CancelRequested:
    policy: str


@dataclass(frozen=True)
class Tick:
    """A timer the conductor asked for (Step.wake_at) is due."""


@dataclass(frozen=True)
class RunSpec:
    """A run to create: kind action|workflow, ref the action or workflow ref."""

    task: str
    activation: int
    item_index: int | None
    attempt: int
    kind: str
    ref: str
    input: Any
    timeout_seconds: int | None = None
    delay_seconds: float = 0
    max_retries: int = 0
    triggered_by: list = field(default_factory=list)

    @property
    def key(self) -> RunKey:
        return RunKey(self.task, self.activation, self.item_index, self.attempt)


@dataclass(frozen=True)
class WaitSpec:
    """The task's activation waits for the inquiry `inquiry_id` before its run starts."""

    task: str
    activation: int
    inquiry_id: Any


@dataclass(frozen=True)
class CollectSpec:
    """A with_items activation ended: the caller answers with its runs' results.

    Per-item results are not kept in the state (every advance step reads and writes the
    state, so it must not grow with every item's result); they are on the runs already.
    """

    task: str
    activation: int
    total: int


@dataclass(frozen=True)
class ResultsCollected:
    """The answer to a CollectSpec: each item's latest result in index order (None: never ran)."""

    task: str
    activation: int
    results: list


@dataclass(frozen=True)
class Finished:
    """The workflow ended: status completed|failed|cancelled, result its result object."""

    status: str
    result: Any


@dataclass
class Step:
    state: dict
    start: list = field(default_factory=list)
    cancel: list = field(default_factory=list)
    waits: list = field(default_factory=list)
    collect: list = field(default_factory=list)
    events: list = field(default_factory=list)
    wake_at: float | None = None
    finished: Finished | None = None
