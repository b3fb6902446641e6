"""Seed data for the benchmarks: packs and workflows shaped like real ones.

A fixed random seed makes every run list the same rows. Workflows carry a small definition
and parameter schema because the list query reads whole rows, so their size is part of
what a request costs.
"""

import random

from packs.models import Pack
from workflows.models import Workflow

SEED = 20240501
VERBS = ["deploy", "restart", "rotate", "backup", "notify", "scale", "drain", "sync", "audit", "patch"]
NOUNS = ["service", "database", "cluster", "certificate", "queue", "cache", "node", "bucket", "dns", "vpn"]
TAGS = [
    "ops",
    "incident",
    "nightly",
    "security",
    "network",
    "storage",
    "k8s",
    "aws",
    "gcp",
    "linux",
    "windows",
    "compliance",
    "billing",
    "oncall",
    "experimental",
]
BATCH_SIZE = 500


def make_packs(count: int) -> list[Pack]:
    packs = [
        Pack(ref=f"pack{n:02d}", label=f"Pack {n:02d}", version="1.0.0", tags=["bench"]) for n in range(count)
    ]
    return Pack.objects.bulk_create(packs)


def make_workflows(count: int, packs: list[Pack]) -> None:
    rng = random.Random(SEED)
    workflows = (make_workflow(rng, n, packs[n % len(packs)]) for n in range(count))
    Workflow.objects.bulk_create(workflows, batch_size=BATCH_SIZE)


def make_workflow(rng: random.Random, n: int, pack: Pack) -> Workflow:
    verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
    return Workflow(
        ref=f"{pack.ref}.{verb}_{noun}_{n}",
        pack=pack,
        label=f"{verb.title()} {noun} {n}",
        description=f"{verb.title()} the {noun} and report the outcome to the on-call channel.",
        version=f"1.{rng.randrange(10)}.{rng.randrange(10)}",
        param_schema={
            "target": {"type": "string", "required": True},
            "dry_run": {"type": "boolean", "default": False},
        },
        definition=make_definition(rng, verb, noun),
        tags=rng.sample(TAGS, rng.randint(2, 4)),
        enabled=rng.random() < 0.9,
    )


def make_definition(rng: random.Random, verb: str, noun: str) -> dict:
    names = [f"step_{i}" for i in range(rng.randint(3, 6))]
    tasks = [
        {"name": name, "action": f"core.{verb}", "input": {"target": "{{ target }}", "kind": noun}}
        for name in names
    ]
    for task, following in zip(tasks, names[1:], strict=False):
        task["next"] = [following]
    return {"version": "1.0.0", "tasks": tasks}
