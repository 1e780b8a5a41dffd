"""Settings of worker processes that share their state, as on several machines."""

from __future__ import annotations

import uuid
from pathlib import Path

import boto3

from tests.conftest import PASSPHRASE
from tests.support.moto import FAKE_CREDENTIALS

__all__ = ["shared_state_env"]


def shared_state_env(
    temporal: str, queue: str, moto: str, registry_url: str, resources: Path
) -> dict[str, str]:
    """The settings of worker processes that share one Temporal queue, a Pulumi backend in
    a new S3 bucket on ``moto``, a registry and the resource directory of the catalog
    ``tests.e2e.shared_catalog`` (each still needs its own ``TENANT_PULUMI__STATE_DIR``)."""
    bucket = f"state-{uuid.uuid4().hex[:8]}"
    session = boto3.session.Session(region_name="us-east-1", **FAKE_CREDENTIALS)
    session.client("s3", endpoint_url=moto).create_bucket(Bucket=bucket)
    return {
        "TENANT_TEMPORAL__ADDRESS": temporal,
        "TENANT_TEMPORAL__TASK_QUEUE": queue,
        "TENANT_PULUMI__BACKEND_URL": f"s3://{bucket}?region=us-east-1&use_path_style=true",
        "TENANT_PULUMI__PASSPHRASE": PASSPHRASE,
        "TENANT_PULUMI__CATALOG": "tests.e2e.shared_catalog:catalog",
        "TENANT_AWS__ENDPOINT_URL": moto,
        "TENANT_AWS__ACCESS_KEY_ID": FAKE_CREDENTIALS["aws_access_key_id"],
        "TENANT_AWS__SECRET_ACCESS_KEY": FAKE_CREDENTIALS["aws_secret_access_key"],
        "TENANT_REGISTRY__DATABASE_URL": registry_url,
        "TENANT_WORKER__HEALTH_LISTEN": "",
        "TENANT_TEST_RESOURCES": str(resources),
    }
