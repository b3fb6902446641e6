"""The workflow validator: one test per check (exact code, severity and path) with a valid twin,
the shorthand normalisation, located diagnostics, limits, and the example packs.

Template checks (W3xx) live in test_templates.py.
"""

from pathlib import Path

import pytest

from attune.yamlio import load_yaml
from packs.ondisk.loader import PackInvalid, read_pack
from workflows.validation import check_definition
from workflows.validation.diagnostics import ERROR, WARNING

EXAMPLE_PACKS = Path(__file__).resolve().parents[2] / "examples" / "packs"


# Helpers ------------------------------------------------------------------------------------


def task(name, **fields):
    return {"name": name, "action": "core.noop", **fields}


def workflow(*tasks, **top):
    return {"version": "1.0", **top, "tasks": list(tasks)}


def go(*targets, when=None, **extra):
    """A transition to `targets`, optionally guarded."""
    transition = {"do": list(targets), **extra}
    if when is not None:
        transition["when"] = when
    return transition


def check(definition, **kwargs):
    return check_definition(definition, **kwargs)


def codes(report):
    return {d.code for d in report.diagnostics}


def found(report, code):
    """The single diagnostic with `code`, as (code, severity, path); it must have a message."""
    matching = [d for d in report.diagnostics if d.code == code]
    assert len(matching) == 1, [str(d) for d in report.diagnostics]
    assert matching[0].message.strip()
    return matching[0].code, matching[0].severity, matching[0].path


def clean(report):
    assert report.diagnostics == [], [str(d) for d in report.diagnostics]
    return True


def from_yaml(text, **kwargs):
    doc = load_yaml(text)
    return check_definition(doc.data, doc=doc, **kwargs)


def diagnostic(report, code):
    (match,) = [d for d in report.diagnostics if d.code == code]
    return match


# 1. Structure -------------------------------------------------------------------------------


def test_smallest_valid_workflow_is_clean():
    assert clean(check(workflow(task("a"))))


def test_unknown_top_level_key():
    report = check(workflow(task("a"), taks=[]))
    assert found(report, "W001-unknown-key") == ("W001-unknown-key", ERROR, "/taks")
    assert "taks" in report.diagnostics[0].message


def test_unknown_task_key_typo():
    report = check(workflow(task("a", on_sucess=["b"]), task("b")))
    assert found(report, "W001-unknown-key") == ("W001-unknown-key", ERROR, "/tasks/0/on_sucess")
    assert "on_success" in report.diagnostics[0].message  # the allowed keys are listed


def test_unknown_task_key_twin():
    assert clean(check(workflow(task("a", on_success=["b"]), task("b"))))


def test_unknown_transition_key():
    report = check(workflow(task("a", next=[{"goto": ["b"]}]), task("b")))
    assert found(report, "W001-unknown-key") == ("W001-unknown-key", ERROR, "/tasks/0/next/0/goto")


def test_unknown_transition_key_twin():
    assert clean(check(workflow(task("a", next=[{"do": ["b"]}]), task("b"))))


def test_unknown_key_in_nested_task():
    report = check(workflow({"name": "p", "type": "parallel", "tasks": [task("x", acton="a.b")]}))
    assert found(report, "W001-unknown-key") == ("W001-unknown-key", ERROR, "/tasks/0/tasks/0/acton")


@pytest.mark.parametrize(
    ("definition", "path"),
    [
        ({"version": "1.0", "tasks": {"a": {}}}, "/tasks"),
        ({"version": 1, "tasks": [task("a")]}, "/version"),
        (workflow(task("a", input="x=1")), "/tasks/0/input"),
        (workflow(task("a", next={"do": ["a"]})), "/tasks/0/next"),
        (workflow(task("a", next=[go("b", when=True)]), task("b")), "/tasks/0/next/0/when"),
        (workflow(task("a", next=[{"do": "b"}]), task("b")), "/tasks/0/next/0/do"),
        (workflow(task("a", join="2")), "/tasks/0/join"),
        (workflow(task("a"), tags="x"), "/tags"),
    ],
)
def test_wrong_type(definition, path):
    assert found(check(definition), "W002-wrong-type") == ("W002-wrong-type", ERROR, path)


def test_wrong_type_twin():
    definition = workflow(task("a", input={"x": 1}, join=1, next=[go("b", when="{{ succeeded() }}")]))
    definition["tasks"].insert(0, task("s", next=[go("a")]))
    definition["tasks"].append(task("b"))
    definition["tags"] = ["x"]
    assert clean(check(definition))


def test_a_definition_without_version_is_valid():
    # The workflow record's `version` is the workflow's version (the seed sends it there).
    assert clean(check({"tasks": [task("a")]}))


def test_missing_tasks():
    report = check({"version": "1.0"})
    assert found(report, "W003-missing-key") == ("W003-missing-key", ERROR, "")
    assert "'tasks' is required" in report.diagnostics[0].message


def test_an_empty_version_is_invalid():
    report = check({"version": "", "tasks": [task("a")]})
    assert found(report, "W006-invalid-value") == ("W006-invalid-value", ERROR, "/version")
    assert "string of 1-50 characters" in report.diagnostics[0].message


def test_missing_task_name():
    report = check(workflow({"action": "core.noop"}))
    assert found(report, "W003-missing-key") == ("W003-missing-key", ERROR, "/tasks/0")


def test_empty_tasks():
    report = check(workflow())
    assert found(report, "W005-empty-list") == ("W005-empty-list", ERROR, "/tasks")


def test_empty_tasks_twin():
    assert "W005-empty-list" not in codes(check(workflow(task("a"))))


def test_retry_count_zero():
    report = check(workflow(task("a", retry={"count": 0})))
    assert found(report, "W006-invalid-value") == ("W006-invalid-value", ERROR, "/tasks/0/retry/count")


def test_retry_count_twin():
    assert clean(check(workflow(task("a", retry={"count": 1, "delay": 0, "backoff": "linear"}))))


def test_bad_cancellation_policy():
    report = check(workflow(task("a"), cancellation_policy="kill"))
    assert found(report, "W004-invalid-value") == ("W004-invalid-value", ERROR, "/cancellation_policy")


@pytest.mark.parametrize("policy", ["allow_finish", "cancel_running"])
def test_cancellation_policy_twin(policy):
    assert clean(check(workflow(task("a"), cancellation_policy=policy)))


def test_bad_task_type():
    report = check(workflow(task("a", type="shell")))
    assert found(report, "W004-invalid-value") == ("W004-invalid-value", ERROR, "/tasks/0/type")


def test_structure_errors_stop_before_the_graph():
    # An unknown key is reported; the graph is not judged on a definition of the wrong shape.
    report = check(workflow(task("a", next=[go("nowhere")]), extra=1))
    assert codes(report) == {"W001-unknown-key"}


# Normalisation ------------------------------------------------------------------------------


def normalised(*tasks):
    report = check(workflow(*tasks))
    assert report.errors == [], [str(d) for d in report.errors]
    return report.definition["tasks"]


LEGACY = ("on_success", "on_failure", "on_complete", "on_timeout", "decision", "publish")


def test_shorthand_order_and_conditions():
    tasks = normalised(
        task("a", on_timeout="t", on_complete=["c"], on_failure="f", on_success=["s", "s2"]),
        *(task(name) for name in ("s", "s2", "f", "c", "t")),
    )
    assert tasks[0]["next"] == [
        {"do": ["s", "s2"], "when": "{{ succeeded() }}"},
        {"do": ["f"], "when": "{{ failed() }}"},
        {"do": ["c"]},
        {"do": ["t"], "when": "{{ timed_out() }}"},
    ]
    assert not set(LEGACY) & set(tasks[0])


def test_decision_with_default():
    tasks = normalised(
        task(
            "a",
            on_failure="f",
            decision=[
                {"when": "{{ parameters.x > 1 }}", "next": "big"},
                {"default": True, "next": "other"},
                {"when": "{{ parameters.x < 0 }}", "next": "neg"},
            ],
        ),
        *(task(name) for name in ("f", "big", "other", "neg")),
    )
    assert tasks[0]["next"] == [
        {"do": ["f"], "when": "{{ failed() }}"},
        {"when": "{{ parameters.x > 1 }}", "do": ["big"]},
        {"when": "{{ parameters.x < 0 }}", "do": ["neg"]},
        {"when": "{{ not (parameters.x > 1) and not (parameters.x < 0) }}", "do": ["other"]},
    ]
    assert "decision" not in tasks[0]


def test_publish_joins_the_first_succeeded_transition():
    tasks = normalised(
        task("a", on_failure="f", on_success="s", publish=["out", {"n": "{{ result().n }}"}]),
        task("f"),
        task("s"),
    )
    assert tasks[0]["next"] == [
        {"do": ["s"], "when": "{{ succeeded() }}", "publish": ["out", {"n": "{{ result().n }}"}]},
        {"do": ["f"], "when": "{{ failed() }}"},
    ]
    assert "publish" not in tasks[0]


def test_publish_without_a_succeeded_transition_becomes_its_own():
    tasks = normalised(task("a", on_complete="c", publish=["out"]), task("c"))
    assert tasks[0]["next"] == [{"do": ["c"]}, {"when": "{{ succeeded() }}", "publish": ["out"]}]


def test_publish_alone():
    tasks = normalised(task("a", publish=[{"v": "{{ result() }}"}]))
    assert tasks[0]["next"] == [{"when": "{{ succeeded() }}", "publish": [{"v": "{{ result() }}"}]}]


def test_shorthand_inside_parallel_is_normalised():
    tasks = normalised({"name": "p", "type": "parallel", "tasks": [task("x", on_success="y"), task("y")]})
    assert tasks[0]["tasks"][0] == {
        "name": "x",
        "action": "core.noop",
        "next": [{"do": ["y"], "when": "{{ succeeded() }}"}],
    }


def test_normalising_does_not_touch_the_input():
    definition = workflow(task("a", on_success="b"), task("b"))
    check(definition)
    assert definition["tasks"][0] == task("a", on_success="b")


@pytest.mark.parametrize("legacy", ["on_success", "on_failure", "on_complete", "on_timeout"])
def test_next_and_shorthand(legacy):
    report = check(workflow(task("a", next=[go("b")], **{legacy: "b"}), task("b")))
    assert found(report, "W114-next-and-shorthand") == (
        "W114-next-and-shorthand",
        ERROR,
        f"/tasks/0/{legacy}",
    )
    assert legacy not in report.definition["tasks"][0]


def test_next_and_publish_shorthand():
    report = check(workflow(task("a", next=[go("b")], publish=["x"]), task("b")))
    assert found(report, "W114-next-and-shorthand")[2] == "/tasks/0/publish"


def test_next_and_shorthand_twin():
    report = check(workflow(task("a", next=[go("b", publish=["x"])]), task("b")))
    assert clean(report)


def test_decision_with_two_defaults():
    report = check(
        workflow(
            task("a", decision=[{"default": True, "next": "b"}, {"default": True, "next": "c"}]),
            task("b"),
            task("c"),
        )
    )
    assert found(report, "W121-decision-two-defaults") == (
        "W121-decision-two-defaults",
        ERROR,
        "/tasks/0/decision/1/default",
    )


def test_decision_branch_without_condition():
    report = check(
        workflow(task("a", decision=[{"next": "b"}, {"default": True, "next": "c"}]), task("b"), task("c"))
    )
    assert found(report, "W122-decision-branch-condition") == (
        "W122-decision-branch-condition",
        ERROR,
        "/tasks/0/decision/0",
    )


def test_decision_twin():
    report = check(
        workflow(
            task("a", decision=[{"when": "{{ succeeded() }}", "next": "b"}, {"default": True, "next": "c"}]),
            task("b"),
            task("c"),
        )
    )
    assert clean(report)
    assert report.definition["tasks"][0]["next"] == [
        {"when": "{{ succeeded() }}", "do": ["b"]},
        {"when": "{{ not (succeeded()) }}", "do": ["c"]},
    ]


# 2. Graph -----------------------------------------------------------------------------------


def test_unknown_transition_target():
    report = check(workflow(task("a", next=[go("b"), go("b", "nope")]), task("b")))
    assert found(report, "W101-unknown-task") == ("W101-unknown-task", ERROR, "/tasks/0/next/1/do/1")
    assert "nope" in diagnostic(report, "W101-unknown-task").message


def test_unknown_transition_target_twin():
    assert clean(check(workflow(task("a", next=[go("b"), go("b", "c")]), task("b"), task("c"))))


def test_unknown_target_from_shorthand_points_at_the_normalised_next():
    report = check(workflow(task("a", on_success="nope")))
    assert found(report, "W101-unknown-task") == ("W101-unknown-task", ERROR, "/tasks/0/next/0/do/0")


def parallel(*inner, **fields):
    return {"name": "p", "type": "parallel", "tasks": list(inner), **fields}


def test_nested_transition_is_checked_against_siblings():
    # `outer` exists, but at the top level: a nested task can only name its siblings.
    report = check(workflow(parallel(task("x", next=[go("outer")])), task("outer")))
    assert found(report, "W101-unknown-task") == ("W101-unknown-task", ERROR, "/tasks/0/tasks/0/next/0/do/0")


def test_nested_transition_twin():
    report = check(
        workflow(parallel(task("x", next=[go("y")]), task("y"), next=[go("outer")]), task("outer"))
    )
    assert clean(report)


def test_top_level_cannot_name_a_nested_task():
    report = check(workflow(parallel(task("x")), task("a", next=[go("x")])))
    assert found(report, "W101-unknown-task") == ("W101-unknown-task", ERROR, "/tasks/1/next/0/do/0")


def test_duplicate_task_name():
    report = check(workflow(task("a"), task("b"), task("a")))
    assert found(report, "W102-duplicate-task") == ("W102-duplicate-task", ERROR, "/tasks/2/name")
    assert "/tasks/0/name" in diagnostic(report, "W102-duplicate-task").message


def test_duplicate_task_name_across_nesting_levels():
    report = check(workflow(parallel(task("a")), task("a")))
    code, severity, path = found(report, "W102-duplicate-task")
    assert (code, severity) == ("W102-duplicate-task", ERROR)
    assert path in {"/tasks/0/tasks/0/name", "/tasks/1/name"}


def test_duplicate_task_name_in_two_parallels():
    report = check(workflow(parallel(task("a")), {**parallel(task("a")), "name": "q"}))
    assert found(report, "W102-duplicate-task") == ("W102-duplicate-task", ERROR, "/tasks/1/tasks/0/name")


def test_duplicate_task_name_twin():
    assert clean(check(workflow(parallel(task("a")), task("b"))))


@pytest.mark.parametrize("name", ["parameters", "vars", "task", "item", "index", "kv", "batch"])
def test_reserved_task_name(name):
    report = check(workflow(task(name)))
    assert found(report, "W103-reserved-name") == ("W103-reserved-name", ERROR, "/tasks/0/name")


def test_reserved_task_name_twin():
    assert clean(check(workflow(task("items"), task("params"))))


def test_no_entry_task():
    report = check(workflow(task("a", next=[go("b")]), task("b", next=[go("a", when="{{ failed() }}")])))
    assert found(report, "W104-no-entry-task") == ("W104-no-entry-task", ERROR, "/tasks")


def test_no_entry_task_in_parallel():
    inner = [task("x", next=[go("y")]), task("y", next=[go("x", when="{{ failed() }}")])]
    report = check(workflow(parallel(*inner)))
    assert found(report, "W104-no-entry-task") == ("W104-no-entry-task", ERROR, "/tasks/0/tasks")


def test_no_entry_task_twin():
    report = check(
        workflow(
            task("s", next=[go("a")]),
            task("a", next=[go("b")]),
            task("b", next=[go("a", when="{{ failed() }}")]),
        )
    )
    assert {"W104-no-entry-task", "W105-unreachable-task"}.isdisjoint(codes(report))


def test_unreachable_task():
    report = check(
        workflow(
            task("a"),
            task("b", next=[go("c", when="{{ failed() }}")]),
            task("c", next=[go("b", when="{{ failed() }}")]),
        )
    )
    unreachable = sorted(
        (d.code, d.severity, d.path) for d in report.diagnostics if d.code == "W105-unreachable-task"
    )
    assert unreachable == [
        ("W105-unreachable-task", ERROR, "/tasks/1/name"),
        ("W105-unreachable-task", ERROR, "/tasks/2/name"),
    ]


def test_unreachable_task_twin():
    report = check(
        workflow(
            task("a", next=[go("b")]),
            task("b", next=[go("c", when="{{ failed() }}")]),
            task("c", next=[go("b", when="{{ failed() }}")]),
        )
    )
    assert "W105-unreachable-task" not in codes(report)


def cycle(when):
    """start -> a -> b -> a, the back edge guarded by `when` (or nothing)."""
    return workflow(
        task("start", next=[go("a")]), task("a", next=[go("b")]), task("b", next=[go("a", when=when)])
    )


def test_unguarded_cycle():
    report = check(cycle(None))
    assert found(report, "W106-endless-cycle") == ("W106-endless-cycle", ERROR, "/tasks/1/next/0/do/0")
    assert "a -> b -> a" in diagnostic(report, "W106-endless-cycle").message


def test_unguarded_self_loop():
    report = check(workflow(task("start", next=[go("a")]), task("a", next=[go("a")])))
    assert found(report, "W106-endless-cycle") == ("W106-endless-cycle", ERROR, "/tasks/1/next/0/do/0")
    assert "a -> a" in diagnostic(report, "W106-endless-cycle").message


@pytest.mark.parametrize(
    "when", ["{{ succeeded() }}", "{{ failed() or timed_out() }}", "{{ not succeeded() }}"]
)
def test_cycle_guarded_only_by_status(when):
    report = check(cycle(when))
    assert found(report, "W107-status-guarded-cycle") == (
        "W107-status-guarded-cycle",
        WARNING,
        "/tasks/1/next/0/do/0",
    )
    assert "W106-endless-cycle" not in codes(report)


def test_cycle_guarded_by_a_condition_twin():
    report = check({**cycle("{{ workflow.attempts < 3 }}"), "vars": {"attempts": 0}})
    assert {"W106-endless-cycle", "W107-status-guarded-cycle"}.isdisjoint(codes(report))
    assert clean(report)


def test_unguarded_cycle_beside_a_guarded_exit_is_still_endless():
    # a <-> b has no `when` at all and never ends; the guarded b -> c -> a loop in the same
    # strongly connected component must not hide it.
    report = check(
        workflow(
            task("start", next=[go("a")]),
            task("a", next=[go("b")]),
            task("b", next=[go("a"), go("c", when="{{ workflow.n < 3 }}")]),
            task("c", next=[go("a")]),
            vars={"n": 0},
        )
    )
    assert "W106-endless-cycle" in codes(report), [str(d) for d in report.diagnostics]


def test_cycle_inside_parallel():
    report = check(workflow(parallel(task("x", next=[go("y")]), task("y", next=[go("y")]))))
    assert found(report, "W106-endless-cycle") == (
        "W106-endless-cycle",
        ERROR,
        "/tasks/0/tasks/1/next/0/do/0",
    )


def test_join_larger_than_inbound():
    report = check(
        workflow(
            task("s", next=[go("a", "b")]),
            task("a", next=[go("j")]),
            task("b", next=[go("j")]),
            task("j", join=3),
        )
    )
    assert found(report, "W108-join-too-large") == ("W108-join-too-large", ERROR, "/tasks/3/join")
    assert "(2)" in diagnostic(report, "W108-join-too-large").message


def test_join_twin():
    report = check(
        workflow(
            task("s", next=[go("a", "b")]),
            task("a", next=[go("j")]),
            task("b", next=[go("j")]),
            task("j", join=2),
        )
    )
    assert clean(report)


def test_with_items_without_action():
    report = check(
        workflow({"name": "a", "with_items": "{{ parameters.hosts }}"}), param_schema={"hosts": {}}
    )
    assert found(report, "W109-with-items-without-action") == (
        "W109-with-items-without-action",
        ERROR,
        "/tasks/0/with_items",
    )


def test_with_items_on_parallel():
    report = check(workflow(parallel(task("x"), with_items="{{ [1, 2] }}")))
    assert found(report, "W109-with-items-without-action")[2] == "/tasks/0/with_items"


def test_with_items_twin():
    report = check(
        workflow(task("a", with_items="{{ parameters.hosts }}", input={"h": "{{ item }}"})),
        param_schema={"hosts": {}},
    )
    assert clean(report)


def test_parallel_without_tasks():
    report = check(workflow({"name": "p", "type": "parallel"}))
    assert found(report, "W110-parallel-without-tasks") == ("W110-parallel-without-tasks", ERROR, "/tasks/0")


def test_parallel_with_empty_tasks_is_a_structure_error():
    report = check(workflow({"name": "p", "type": "parallel", "tasks": []}))
    assert found(report, "W005-empty-list") == ("W005-empty-list", ERROR, "/tasks/0/tasks")


def test_parallel_twin():
    assert clean(check(workflow(parallel(task("x")))))


@pytest.mark.parametrize("kind", [None, "action", "workflow"])
def test_missing_action(kind):
    definition = workflow({"name": "a"} if kind is None else {"name": "a", "type": kind})
    assert found(check(definition), "W111-action-required") == ("W111-action-required", ERROR, "/tasks/0")


def test_missing_action_twin():
    assert clean(check(workflow({"name": "a", "type": "workflow", "action": "pack.flow"})))


# 4. Actions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("ref", ["echo", "a.", ".a", "a..b", "a b.c", "core. echo"])
def test_malformed_action_ref(ref):
    report = check(workflow(task("a", action=ref)))
    assert found(report, "W112-invalid-action-ref") == ("W112-invalid-action-ref", ERROR, "/tasks/0/action")


@pytest.mark.parametrize("ref", ["core.echo", "my_pack.sub.action", "a-b.c_d"])
def test_action_ref_twin(ref):
    assert clean(check(workflow(task("a", action=ref))))


def test_missing_workflow_is_a_warning():
    report = check(
        workflow(task("a", type="workflow", action="pack.gone")), workflow_exists=lambda ref: False
    )
    assert found(report, "W401-unknown-workflow") == ("W401-unknown-workflow", WARNING, "/tasks/0/action")
    assert report.errors == []


def test_existing_workflow_twin():
    asked = []
    report = check(
        workflow(task("a", type="workflow", action="pack.there")),
        workflow_exists=lambda ref: asked.append(ref) or True,
    )
    assert clean(report)
    assert asked == ["pack.there"]


def test_workflow_existence_is_only_asked_for_workflow_tasks():
    report = check(workflow(task("a", action="pack.action")), workflow_exists=lambda ref: False)
    assert clean(report)


# 5. Limits ----------------------------------------------------------------------------------


def test_not_a_mapping():
    for definition in ([], "tasks: []", None, 3):
        report = check(definition)
        assert [(d.code, d.severity, d.path) for d in report.diagnostics] == [
            ("W000-not-an-object", ERROR, "")
        ]


def test_too_many_tasks(settings):
    settings.ATTUNE_WORKFLOW_MAX_TASKS = 3
    report = check(workflow(task("a"), task("b"), parallel(task("c"))))
    assert found(report, "W502-too-many-tasks") == ("W502-too-many-tasks", ERROR, "/tasks")
    assert "4 tasks" in diagnostic(report, "W502-too-many-tasks").message


def test_too_many_tasks_twin(settings):
    settings.ATTUNE_WORKFLOW_MAX_TASKS = 3
    assert clean(check(workflow(task("a"), parallel(task("c")))))


def test_too_deep(settings):
    settings.ATTUNE_WORKFLOW_MAX_DEPTH = 2
    inner = {"name": "q", "type": "parallel", "tasks": [task("x")]}
    report = check(workflow(parallel(inner)))
    assert found(report, "W503-too-deep") == ("W503-too-deep", ERROR, "/tasks")


def test_too_deep_twin(settings):
    settings.ATTUNE_WORKFLOW_MAX_DEPTH = 2
    assert clean(check(workflow(parallel(task("x")))))


def test_template_too_long(settings):
    settings.ATTUNE_TEMPLATE_MAX_LENGTH = 20
    report = check(workflow(task("a", input={"x": "{{ parameters.channel }}"})), param_schema={"channel": {}})
    assert found(report, "W504-template-too-long") == ("W504-template-too-long", ERROR, "/tasks/0/input/x")


def test_template_too_long_twin(settings):
    settings.ATTUNE_TEMPLATE_MAX_LENGTH = 30
    report = check(workflow(task("a", input={"x": "{{ parameters.channel }}"})), param_schema={"channel": {}})
    assert clean(report)


def test_definition_too_large(settings):
    settings.ATTUNE_DEFINITION_MAX_BYTES = 100
    report = check(workflow(task("a", input={"x": "y" * 100})))
    assert found(report, "W501-definition-too-large") == ("W501-definition-too-large", ERROR, "")


def test_definition_too_large_twin(settings):
    settings.ATTUNE_DEFINITION_MAX_BYTES = 1000
    assert clean(check(workflow(task("a", input={"x": "y" * 100}))))


# Line and column ----------------------------------------------------------------------------

LOCATED = """\
version: "1.0"
tasks:
  - name: start
    action: core.echo
    next:
      - when: "{{ succeeded() }}"
        do: [finish, nowhere]
  - name: finish
    action: echo
"""


def test_located_unknown_target_and_bad_ref():
    report = from_yaml(LOCATED)
    unknown = diagnostic(report, "W101-unknown-task")
    assert (unknown.path, unknown.line, unknown.column) == ("/tasks/0/next/0/do/1", 7, 22)
    ref = diagnostic(report, "W112-invalid-action-ref")
    assert (ref.path, ref.line, ref.column) == ("/tasks/1/action", 9, 13)


def test_located_twin():
    report = from_yaml(LOCATED.replace(", nowhere", "").replace("action: echo", "action: core.echo"))
    assert clean(report)


def test_located_duplicate_name():
    report = from_yaml('version: "1"\ntasks:\n  - name: a\n    action: x.y\n  - name: a\n    action: x.y\n')
    dup = diagnostic(report, "W102-duplicate-task")
    assert (dup.path, dup.line, dup.column) == ("/tasks/1/name", 5, 11)


def test_located_structure_error():
    report = from_yaml('version: "1"\ncancellation_policy: never\ntasks:\n  - name: a\n    action: x.y\n')
    bad = diagnostic(report, "W004-invalid-value")
    assert (bad.path, bad.line, bad.column) == ("/cancellation_policy", 2, 22)


def test_located_missing_key_points_at_the_mapping():
    report = from_yaml('version: "1"\ntasks:\n  - action: x.y\n')
    missing = diagnostic(report, "W003-missing-key")
    assert (missing.path, missing.line, missing.column) == ("/tasks/0", 3, 5)


def test_located_unknown_key_points_at_the_key():
    # The typo is on line 5; its block value starts on line 6.
    text = 'version: "1"\ntasks:\n  - name: a\n    action: x.y\n    on_sucess:\n      - b\n  - name: b\n    action: x.y\n'
    typo = diagnostic(from_yaml(text), "W001-unknown-key")
    assert (typo.path, typo.line, typo.column) == ("/tasks/0/on_sucess", 5, 5)


def test_no_location_without_yaml():
    report = check(workflow(task("a", action="echo")))
    assert (report.diagnostics[0].line, report.diagnostics[0].column) == (None, None)


# The whole report ---------------------------------------------------------------------------


def test_errors_and_warnings_split_by_severity():
    report = check(
        workflow(
            task("start", next=[go("a")]),
            task("a", type="workflow", action="pack.gone", next=[go("b")]),
            task("b", action="bad", next=[go("a", when="{{ failed() }}")]),
        ),
        workflow_exists=lambda ref: False,
    )
    assert {d.code for d in report.errors} == {"W112-invalid-action-ref"}
    assert {d.code for d in report.warnings} == {"W401-unknown-workflow", "W107-status-guarded-cycle"}
    assert all(d.severity == ERROR for d in report.errors)
    assert all(d.severity == WARNING for d in report.warnings)
    assert len(report.errors) + len(report.warnings) == len(report.diagnostics)
    assert [d.path for d in report.diagnostics] == sorted(d.path for d in report.diagnostics)


EVERYTHING = """\
version: "2.0"
ref: demo.everything
label: Everything
description: Uses every feature of the language.
tags: [demo]
parameters:
  hosts: {type: array}
  channel: {type: string, default: "#ops"}
output:
  count: {type: integer}
vars:
  attempts: 0
  summary-text: ""
cancellation_policy: cancel_running
output_map:
  count: "{{ workflow.count }}"
tasks:
  - name: start
    action: core.echo
    input:
      message: "Starting on {{ parameters.channel }}"
    retry: {count: 3, delay: 1, backoff: exponential, max_delay: 10}
    timeout: 30
    on_success: [fan_out, probe]
    on_failure: report
    on_timeout: report
    publish:
      - started: "{{ result().at }}"
  - name: probe
    action: core.http
    with_items: "{{ parameters.hosts }}"
    batch_size: 2
    concurrency: 4
    input:
      urls: "{{ item }}"
    decision:
      - when: "{{ result().ok }}"
        next: done
      - default: true
        next: report
  - name: fan_out
    type: parallel
    tasks:
      - name: left
        action: core.noop
        next:
          - do: [right]
      - name: right
        action: core.noop
    on_complete: done
  - name: done
    join: 2
    type: workflow
    action: demo.finish
    when: "{{ workflow.attempts < 3 }}"
    next:
      - when: "{{ succeeded() }}"
        publish:
          - count
          - attempts: "{{ workflow.attempts + 1 }}"
    __chart_meta__: {x: 1, y: 2}
  - name: report
    action: core.echo
    input:
      message: "{{ task.start }}"
"""


def test_normalised_definition_of_a_workflow_using_every_feature():
    doc = load_yaml(EVERYTHING)
    report = check_definition(
        doc.data, doc=doc, param_schema=doc.data["parameters"], workflow_exists={"demo.finish"}.__contains__
    )
    assert report.errors == [], [str(d) for d in report.errors]
    expected = load_yaml(EVERYTHING).data
    start, probe, fan_out = expected["tasks"][:3]
    for legacy in LEGACY:
        start.pop(legacy, None)
        probe.pop(legacy, None)
        fan_out.pop(legacy, None)
    start["next"] = [
        {
            "do": ["fan_out", "probe"],
            "when": "{{ succeeded() }}",
            "publish": [{"started": "{{ result().at }}"}],
        },
        {"do": ["report"], "when": "{{ failed() }}"},
        {"do": ["report"], "when": "{{ timed_out() }}"},
    ]
    probe["next"] = [
        {"when": "{{ result().ok }}", "do": ["done"]},
        {"when": "{{ not (result().ok) }}", "do": ["report"]},
    ]
    fan_out["next"] = [{"do": ["done"]}]
    assert report.definition == expected
    assert all(not set(LEGACY) & set(t) for t in report.definition["tasks"])


# Example packs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pack_dir", sorted(p for p in EXAMPLE_PACKS.iterdir() if p.is_dir()), ids=lambda p: p.name
)
def test_example_pack_workflows_validate(pack_dir):
    try:
        spec = read_pack(pack_dir)
    except PackInvalid as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(f"{pack_dir.name}: {exc}")
    for workflow_spec in spec.workflows:
        definition = workflow_spec.fields["definition"]
        report = check(definition, param_schema=workflow_spec.fields.get("param_schema"))
        assert report.errors == [], [str(d) for d in report.errors]
