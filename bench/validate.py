"""Validation time of a large workflow against the time to parse its YAML.

Run from the project root:

    DJANGO_SECRET_KEY=any .venv/bin/python bench/validate.py [--tasks 1000] [--runs 5]

Generates a workflow of --tasks tasks in layers (branches that fan out, joins that wait for
two or three predecessors, conditions on `when`, templates in every input and publish),
then times, as medians over --runs runs: (a) yaml.load with PyYAML's safe loader (libyaml
when present), and (b) what every write does: attune.yamlio.load_yaml (strict, with
positions) plus workflows.validation.check_definition. Prints both and their ratio against
the 2x target, and the graph analysis alone at --tasks, 2x and 4x as many tasks (its time
should double with the tasks: linear in tasks + edges). Exits 1 if the generated workflow has errors (the benchmark would be
measuring the wrong thing).
"""

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attune.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-for-validation-timing")

import django

django.setup()

import yaml  # noqa: E402

from attune.yamlio import load_yaml  # noqa: E402
from workflows.validation import check_definition  # noqa: E402
from workflows.validation.graph import graph_diagnostics  # noqa: E402
from workflows.validation.normalize import normalize  # noqa: E402

WIDTH = 4  # tasks per layer
TARGET_RATIO = 2.0  # validate (strict parse + checks) / yaml.load


def generate(tasks: int) -> str:
    """A layered workflow: every task feeds the next layer; some tasks join their inputs."""
    lines = ['version: "1.0.0"', "vars:", "  attempts: 0", "tasks:"]
    for n in range(tasks):
        layer, slot = divmod(n, WIDTH)
        lines += [f"  - name: t{n}", "    action: core.http", "    input:"]
        lines += [
            f'      url: "{{{{ parameters.base_url }}}}/items/{n}"',
            f'      label: "step {n} of {{{{ workflow.attempts }}}}"',
        ]
        if layer > 0 and slot == 0:
            lines.append(f"    join: {min(WIDTH, 2 + n % 2)}")
        following = [f"t{(layer + 1) * WIDTH + k}" for k in range(WIDTH) if (layer + 1) * WIDTH + k < tasks]
        if not following:
            continue
        lines += [
            "    next:",
            '      - when: "{{ succeeded() and result().status == 200 }}"',
            "        publish:",
        ]
        lines += [
            f'          - last_{n}: "{{{{ result().body }}}}"',
            f"        do: [{', '.join(following[: 2 + slot % 2])}]",
        ]
        lines += ['      - when: "{{ failed() }}"', f"        do: [{following[-1]}]"]
    return "\n".join(lines) + "\n"


def median_time(work, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    text = generate(args.tasks)
    params = {"base_url": {"type": "string", "required": True}}
    loader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader

    def check():
        doc = load_yaml(text)
        return doc, check_definition(doc.data, param_schema=params, doc=doc)

    _doc, report = check()
    if report.errors:
        print("the generated workflow has errors:", *[str(d) for d in report.errors[:20]], sep="\n  ")
        sys.exit(1)
    parse = median_time(lambda: yaml.load(text, Loader=loader), args.runs)  # noqa: S506 - a safe loader
    strict_parse = median_time(lambda: load_yaml(text), args.runs)
    full = median_time(check, args.runs)
    print(
        f"workflow: {args.tasks} tasks, {len(text) / 1024:.0f} KiB of YAML, {len(report.warnings)} warning(s), 0 errors"
    )
    print(f"yaml.load ({loader.__name__}):            {parse * 1000:8.1f} ms")
    print(f"load_yaml (strict, positions):       {strict_parse * 1000:8.1f} ms")
    print(
        f"load_yaml + check_definition:        {full * 1000:8.1f} ms  (checks alone {1000 * (full - strict_parse):.1f} ms)"
    )
    ratio = full / parse
    verdict = "meets it" if ratio <= TARGET_RATIO else "MISSES it"
    print(f"ratio validate/parse: {ratio:.1f}x (target <= {TARGET_RATIO:g}x, {verdict})")
    print_graph_times(args.tasks, args.runs)


def print_graph_times(tasks: int, runs: int) -> None:
    """graph_diagnostics alone, on the normalised definition, at 1x, 2x and 4x the tasks.

    The cyclic garbage collector is paused while timing: its passes cost in proportion to
    every live object, not to the work measured, and would blur the scaling.
    """
    first = None
    for factor in (1, 2, 4):
        definition, _ = normalize(load_yaml(generate(tasks * factor)).data)
        gc.collect()
        gc.disable()
        try:
            elapsed = median_time(lambda d=definition: graph_diagnostics(d), runs)
        finally:
            gc.enable()
        first = first or elapsed
        print(
            f"graph analysis, {tasks * factor:>5} tasks: {elapsed * 1000:8.1f} ms "
            f"({elapsed / first:.1f}x the {tasks}-task time; linear is {factor}x)"
        )


if __name__ == "__main__":
    main()
