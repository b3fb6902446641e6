"""The example pack's Python action runs as a new user would run it after `make run`."""

from django.core.management import call_command

from executions.models import Execution

URL = "/api/v1/executions/execute"


def test_hello_greet_runs_from_the_installed_examples(
    transactional_db, api_client, envs_dir, settings, tmp_path
):
    settings.ATTUNE_PACKS_DIR = tmp_path / "packs"
    call_command("install_examples", stdout=open("/dev/null", "w"))  # noqa: SIM115

    response = api_client.post(
        URL, {"action_ref": "hello.greet", "parameters": {"name": "Ada", "language": "fr"}}, format="json"
    )

    assert response.status_code == 201, response.content
    execution = Execution.objects.get(id=response.json()["data"]["id"])
    assert execution.status == "completed", execution.result
    assert execution.result["data"] == {"greeting": "Bonjour, Ada!", "length": 13}
    assert execution.result["greeting"] == "Bonjour, Ada!"  # data's keys at the top level too
    assert execution.config == {"name": "Ada", "language": "fr"}
