from executions.models import Status

from .conftest import task_runs


def test_a_chain_runs_to_completion_and_publishes(flow, run_flow):
    flow(
        """
vars: {greeting: none}
tasks:
  - name: first
    action: core.echo
    input: {message: "hello {{ parameters.who }}"}
    next:
      - when: "{{ succeeded() }}"
        publish: [{greeting: "{{ result().stdout }}"}]
        do: [second]
  - name: second
    action: core.echo
    input: {message: "{{ workflow.greeting }}!"}
output_map:
  said: "{{ task.second.stdout }}"
""",
        param_schema={"who": {"type": "string", "default": "world"}},
    )
    execution = run_flow("demo.flow")
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result == {"said": "hello world!", "succeeded": True}
    assert [run[0] for run in task_runs(execution)] == ["first", "second"]
    assert execution.workflow_execution.variables == {"greeting": "hello world"}
