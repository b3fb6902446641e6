"""Hostile template nesting is a located diagnostic at every door: API writes, validate, pack files."""

import pytest

from packs.ondisk.loader import PackInvalid, read_pack
from tests.conftest import assert_error
from workflows.models import Workflow

DEEP = {
    "parentheses": "{{ " + "(" * 3000 + "parameters.x" + ")" * 3000 + " }}",
    "attribute chain": "{{ parameters.x" + ".a" * 3000 + " }}",
}


def definition(template: str) -> dict:
    return {"version": "1.0.0", "tasks": [{"name": "a", "action": "core.echo", "input": {"x": template}}]}


@pytest.mark.parametrize("template", DEEP.values(), ids=DEEP.keys())
def test_a_write_with_a_deep_template_is_a_400_with_its_diagnostic(api_client, make_pack, template):
    make_pack("demo")
    body = {"ref": "demo.deep", "pack_ref": "demo", "label": "Deep", "version": "1.0.0"}
    response = api_client.post(
        "/api/v1/workflows", {**body, "definition": definition(template)}, format="json"
    )
    found = assert_error(response, 400, "VALIDATION_ERROR")
    (diagnostic,) = found["details"]["diagnostics"]
    assert (diagnostic["code"], diagnostic["path"]) == ("W310-template-too-deep", "/tasks/0/input/x")
    assert not Workflow.objects.exists()


def test_a_write_with_a_shallow_template_is_created_twin(api_client, make_pack):
    make_pack("demo")
    body = {"ref": "demo.deep", "pack_ref": "demo", "label": "Deep", "version": "1.0.0"}
    template = "{{ ((parameters.x.a.b)) }}"
    response = api_client.post(
        "/api/v1/workflows", {**body, "definition": definition(template)}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Workflow.objects.filter(ref="demo.deep").exists()


@pytest.mark.parametrize("template", DEEP.values(), ids=DEEP.keys())
def test_validate_reports_a_deep_template_with_its_line(api_client, template):
    text = (
        f'version: "1.0.0"\ntasks:\n  - name: a\n    action: core.echo\n    input:\n      x: "{template}"\n'
    )
    response = api_client.post("/api/v1/workflows/validate", text, content_type="application/yaml")
    assert response.status_code == 200
    body = response.json()["data"]
    assert body["valid"] is False
    (diagnostic,) = body["diagnostics"]
    assert (diagnostic["code"], diagnostic["path"], diagnostic["line"]) == (
        "W310-template-too-deep",
        "/tasks/0/input/x",
        6,
    )


@pytest.mark.parametrize("template", DEEP.values(), ids=DEEP.keys())
def test_a_pack_file_with_a_deep_template_is_refused_with_its_location(tmp_path, template):
    (tmp_path / "pack.yaml").write_text('ref: demo\nlabel: Demo\ndescription: d\nversion: "1.0.0"\n')
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "deep.yaml").write_text(
        f'tasks:\n  - name: a\n    action: core.echo\n    input:\n      x: "{template}"\n'
    )
    with pytest.raises(PackInvalid) as caught:
        read_pack(tmp_path)
    problems = [str(problem) for problem in caught.value.problems]
    assert any(p.startswith("workflows/deep.yaml:5:") and "W310-template-too-deep" in p for p in problems), (
        problems
    )


def test_a_pack_file_with_a_shallow_template_loads_twin(tmp_path):
    (tmp_path / "pack.yaml").write_text('ref: demo\nlabel: Demo\ndescription: d\nversion: "1.0.0"\n')
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "deep.yaml").write_text(
        'tasks:\n  - name: a\n    action: core.echo\n    input:\n      x: "{{ (parameters.x) }}"\n'
    )
    (workflow,) = read_pack(tmp_path).workflows
    assert workflow.ref == "demo.deep"
