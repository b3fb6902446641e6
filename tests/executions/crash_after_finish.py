"""A worker command that dies (os._exit, no cleanup) right after it records a task run's end
and before it advances the run's workflow: the crash between the end and the advance when
they are apart (the workflow's lock was held; docs/workflow-language.md, "Advancing after a
task finishes") that the sweeper repairs.

    python -m tests.executions.crash_after_finish manage.py attune_worker [args]
    python -m tests.executions.crash_after_finish celery -A attune worker [args]

Test-only: the fault is injected here, by replacing `orchestration.finish_and_advance` in
this process with "the end alone, then exit", so the engine has no crash switch of its own.
"""

import os
import sys

import django

# The exit status of the crash, so a test tells it from any other death.
CRASHED = 86


def finish_then_die(finish):
    def wrapped(run, worker, status, result):
        finished = finish(run.id, worker, status, result, run=run)
        if finished:  # committed: the run is terminal, and nobody advanced past it
            print(f"execution {run.id}: finished; crashing before the advance", flush=True)
            os._exit(CRASHED)
        return finished

    return wrapped


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attune.settings")
    django.setup()
    from executions import lifecycle, orchestration

    orchestration.finish_and_advance = finish_then_die(lifecycle.finish)
    program, *args = sys.argv[1:]
    if program == "celery":
        from celery.__main__ import main as celery_main

        sys.argv = ["celery", *args]
        celery_main()
    else:
        from django.core.management import execute_from_command_line

        execute_from_command_line([program, *args])


if __name__ == "__main__":
    main()
