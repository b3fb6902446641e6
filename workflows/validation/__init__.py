"""The workflow language validator: the one place a definition is judged.

API serializers, admin forms and the pack loader all call `validate_definition`. Today it
checks the minimum the API contract needs; the full language (graph, templates, located
diagnostics) grows here.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Problem:
    """One finding about a definition, located by a JSON pointer into it."""

    code: str
    message: str
    path: str = ""
    severity: str = "error"

    def __str__(self):
        return f"{self.path or '/'}: {self.message}"


def definition_problems(definition) -> list[Problem]:
    if not isinstance(definition, dict):
        return [Problem("W001-not-an-object", "The definition must be a JSON object.")]
    tasks = definition.get("tasks")
    if not isinstance(tasks, list) or not tasks:
        return [Problem("W002-no-tasks", "'tasks' must be a non-empty list of tasks.", "/tasks")]
    problems, seen = [], set()
    for index, task in enumerate(tasks):
        path = f"/tasks/{index}"
        if not isinstance(task, dict):
            problems.append(Problem("W003-task-not-object", "A task must be an object.", path))
            continue
        name = task.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(
                Problem("W004-task-name", "A task needs a non-empty string 'name'.", f"{path}/name")
            )
        elif name in seen:
            problems.append(
                Problem("W005-duplicate-task", f"Task name '{name}' is used twice.", f"{path}/name")
            )
        else:
            seen.add(name)
    return problems


def validate_definition(definition) -> None:
    """Raise ValidationError listing every error-severity problem in `definition`."""
    errors = [p for p in definition_problems(definition) if p.severity == "error"]
    if errors:
        raise ValidationError([str(p) for p in errors], code="invalid_definition")
