"""Concurrent creates of one ref: exactly one 201, the rest 409, never a 500."""

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from tests.conftest import DEFINITION, client_for
from workflows.models import Workflow

THREADS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_creates_give_one_201_and_409s(make_user, make_pack):
    make_pack("race")
    credentials = client_for(make_user("racer", superuser=True))._credentials
    body = {
        "ref": "race.flow",
        "pack_ref": "race",
        "label": "Race",
        "version": "1.0.0",
        "definition": DEFINITION,
    }
    barrier = threading.Barrier(THREADS)
    statuses = []

    def create():
        client = APIClient(raise_request_exception=False)
        client.credentials(**credentials)
        try:
            barrier.wait()
            statuses.append(client.post("/api/v1/workflows", body).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201] + [409] * (THREADS - 1), (connection.vendor, statuses)
    assert Workflow.objects.filter(ref="race.flow").count() == 1
