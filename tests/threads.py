"""Run API calls at the same moment from real threads, each with its own connection."""

import threading

from django.db import connections
from rest_framework.test import APIClient


def run_together(credentials: dict, calls) -> list:
    """Call each `call(client)` in its own thread, all released at once; their responses."""
    barrier = threading.Barrier(len(calls))
    responses = [None] * len(calls)
    failures = []

    def run(index, call):
        client = APIClient(raise_request_exception=False)
        client.credentials(**credentials)
        try:
            barrier.wait()
            responses[index] = call(client)
        except Exception as exc:  # reported below: a thread's exception must fail the test
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    return responses
