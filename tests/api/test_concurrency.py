"""Concurrent upserts of one new CallNumber leave exactly one call (contract §5).

Sixteen clients race through a real threaded server, each request on its own database
connection; the unique constraint decides the race, and the losers update the winner's row.
"""

import base64
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
import requests

from calls.models import PhoneCall, TranscriptMessage
from tests.factories import PASSWORD

CALLS = "/crmRestApi/resources/11.13.18.05/phoneCalls"
CLIENTS = 16


@pytest.mark.django_db(transaction=True)
def test_sixteen_concurrent_upserts_of_one_new_call_number_leave_one_call(live_server, api_user):
    barrier = Barrier(CLIENTS)

    def upsert(n):
        session = requests.Session()
        session.auth = (api_user.username, PASSWORD)
        session.get(live_server.url + CALLS, timeout=30)  # connect and verify the credential
        barrier.wait(timeout=30)
        body = {
            "CallNumber": "RACE-1",
            "InteractionId": 1000 + n,
            "TranscriptMessage": [
                {
                    "MessageNumber": f"RACE-1-{n}",
                    "MessageContent": base64.b64encode(f"from client {n}".encode()).decode(),
                }
            ],
        }
        return session.post(
            live_server.url + CALLS,
            json=body,
            timeout=60,
            headers={"Upsert-Mode": "true", "REST-Framework-Version": "4"},
        )

    with ThreadPoolExecutor(CLIENTS) as pool:
        responses = list(pool.map(upsert, range(CLIENTS)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * (CLIENTS - 1) + [201], [r.text[:200] for r in responses]
    call = PhoneCall.objects.get(call_number="RACE-1")
    assert {r.json()["CallId"] for r in responses} == {call.id}
    assert TranscriptMessage.objects.filter(call=call).count() == CLIENTS
    assert call.version == CLIENTS, "every upsert that updated raised the version once"
