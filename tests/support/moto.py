"""A real moto server on 127.0.0.1, in this process, for code that takes an endpoint URL.

The code under test talks to it over HTTP exactly as it would to LocalStack or AWS;
tests observe the result through moto's own HTTP API (``/moto-api/...``), the way a
user of the server would, not through moto's Python internals.

Moto keeps its state in process-wide globals shared by every server in the process, so
tests isolate themselves with unique names (addresses, buckets) rather than resetting
moto, which would wipe other fixtures' state too.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.server import ThreadedMotoServer

# Moto accepts any credentials; fixed fake ones keep boto3 from looking for real ones.
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@contextmanager
def running_moto(port: int = 0) -> Iterator[str]:
    """Start moto on ``port`` (0: a free one); yield its URL (``http://127.0.0.1:<port>``)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def model_data(endpoint: str) -> dict[str, Any]:
    """Moto's view of every tracked model instance, per service (``/moto-api/data.json``)."""
    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=10) as response:
        data: dict[str, Any] = json.loads(response.read())
    return data


def ses_sent_messages(endpoint: str) -> list[dict[str, Any]]:
    """Emails SES accepted: ``id``, ``source``, ``subject``, ``body``, ``destinations``."""
    messages: list[dict[str, Any]] = model_data(endpoint).get("ses", {}).get("Message", [])
    return messages
