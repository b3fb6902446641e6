"""For any completion order of concurrent branches, the final variables equal a sequential
replay of the order the engine took (S29, B9, B15): publishing is a fold over that order."""

from hypothesis import given, settings
from hypothesis import strategies as st

from .harness import chain, drive

BRANCHES = 3
PUBLISH = [
    {"last": "{{ result().name }}"},
    {"log": "{{ workflow.log + [result().name] }}"},
    {"total": "{{ workflow.total * 2 + result().v }}"},
]


def branch(index: int) -> list[dict]:
    """Branch i: b<i> then c<i>, both publishing; c<i> is one of the join's predecessors."""
    return [
        {"name": f"b{index}", "action": "c.b", "next": [{"publish": PUBLISH, "do": [f"c{index}"]}]},
        {"name": f"c{index}", "action": "c.c", "next": [{"publish": PUBLISH, "do": ["j"]}]},
    ]


DEFINITION = chain(
    *[task for index in range(BRANCHES) for task in branch(index)],
    {
        "name": "j",
        "action": "c.j",
        "join": BRANCHES,
        "next": [{"publish": [{"joined": "{{ workflow.log }}"}]}],
    },
    vars={"last": None, "log": [], "total": 0},
)


def replay(order: list, values: dict) -> dict:
    """The variables after applying each finished run's publish in `order`, one at a time."""
    variables = {"last": None, "log": [], "total": 0}
    for spec in order:
        if spec.task == "j":
            variables["joined"] = list(variables["log"])
            continue
        variables["last"] = spec.task
        variables["log"] = variables["log"] + [spec.task]
        variables["total"] = variables["total"] * 2 + values[spec.task]
    return variables


@settings(max_examples=100, deadline=None)
@given(
    data=st.data(),
    values=st.fixed_dictionaries({f"{p}{i}": st.integers(0, 9) for p in "bc" for i in range(BRANCHES)}),
)
def test_final_variables_equal_a_sequential_replay_of_the_completion_order(data, values):
    outcomes = {task: [("succeeded", {"name": task, "v": value})] for task, value in values.items()}

    def choose(pending):
        return data.draw(st.integers(0, len(pending) - 1), label="next to finish")

    done = drive(DEFINITION, outcomes=outcomes, choose=choose)
    assert done.finished.status == "completed"
    assert [s.task for s in done.order].count("j") == 1 and done.order[-1].task == "j"
    assert done.state["variables"] == replay(done.order, values)
