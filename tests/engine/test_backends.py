"""The S3 state backend and awskms:// secrets, against a real moto server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from pathlib import Path

import boto3
import pytest

from engine.core.models import Component
from engine.core.settings import AwsSettings, PulumiSettings, Settings
from engine.pulumi._runner import PulumiRunner
from stacks.local import build_local_catalog
from tests.conftest import make_spec
from tests.engine.conftest import files_under
from tests.support.moto import FAKE_CREDENTIALS


@pytest.fixture
def s3_kms_settings(moto: str, state_dir: Path) -> Settings:
    suffix = uuid.uuid4().hex[:8]
    bucket, alias = f"tenant-state-{suffix}", f"alias/tenants-{suffix}"
    session = boto3.session.Session(region_name="us-east-1", **FAKE_CREDENTIALS)
    session.client("s3", endpoint_url=moto).create_bucket(Bucket=bucket)
    kms = session.client("kms", endpoint_url=moto)
    key_id = kms.create_key(Description="tenant stack secrets")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        pulumi=PulumiSettings(
            state_dir=state_dir,
            backend_url=f"s3://{bucket}?region=us-east-1&use_path_style=true",
            secrets_provider=f"awskms://{alias}?region=us-east-1",
        ),
        aws=AwsSettings(
            endpoint_url=moto,
            access_key_id=FAKE_CREDENTIALS["aws_access_key_id"],
            secret_access_key=FAKE_CREDENTIALS["aws_secret_access_key"],  # type: ignore[arg-type]
        ),
    )


def _bucket(settings: Settings) -> str:
    assert settings.pulumi.backend_url
    return settings.pulumi.backend_url.removeprefix("s3://").split("?")[0]


def test_s3_backend_with_kms_secrets_round_trip(
    s3_kms_settings: Settings, resources_root: Path, moto: str
) -> None:
    engine = PulumiRunner(s3_kms_settings, build_local_catalog(resources_root))
    spec = make_spec("acme")
    secret = hashlib.sha256(f"local-client:{spec.tenant_id}".encode()).hexdigest()[:32]

    up = engine.up(spec, Component.IDP)

    assert up.changes == {"create": 2}
    assert up.outputs["client_secret"] == "[secret]" and up.secret_outputs == ["client_secret"]
    assert engine.outputs("acme", Component.IDP, reveal=True)["client_secret"] == secret

    # The checkpoint lives in the bucket, with the secret encrypted by the KMS key.
    s3 = boto3.client("s3", endpoint_url=moto, region_name="us-east-1", **FAKE_CREDENTIALS)
    key = ".pulumi/stacks/tenants/acme-idp.json"
    checkpoint = s3.get_object(Bucket=_bucket(s3_kms_settings), Key=key)["Body"].read().decode()
    assert secret not in checkpoint
    assert json.loads(checkpoint)["checkpoint"]["latest"]["secrets_providers"]["type"] == "cloud"

    # Another worker with an empty local work directory selects the same stack, with the
    # same secrets provider, and converges without changes.
    shutil.rmtree(s3_kms_settings.pulumi.state_dir / "workspaces")
    other = PulumiRunner(s3_kms_settings, build_local_catalog(resources_root))
    again = other.up(spec, Component.IDP)
    assert again.changes == {"same": 2}
    assert other.outputs("acme", Component.IDP, reveal=True)["client_secret"] == secret
    assert [s.name for s in other.list_stacks()] == ["acme-idp"]

    other.destroy("acme", Component.IDP, remove=True)
    assert files_under(resources_root) == []
    listed = s3.list_objects_v2(Bucket=_bucket(s3_kms_settings), Prefix=".pulumi/stacks/")
    assert not [o["Key"] for o in listed.get("Contents", []) if o["Key"].endswith(".json")]
