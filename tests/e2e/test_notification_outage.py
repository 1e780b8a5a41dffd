"""Issue 9: a mail outage delays the welcome notice; it never undoes the tenant.

SMTP (or SES) on a port nobody listens on while the tenant is provisioned, then a server
on that port: the tenant is ACTIVE with every resource the whole time, and the notice
arrives once the service is back.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from datetime import timedelta
from pathlib import Path

import boto3
from temporalio.testing import WorkflowEnvironment

from engine.core.contracts import ProvisionTenantResult
from engine.core.models import TenantStatus
from engine.core.settings import NotificationSettings, Settings
from engine.registry import NotificationState
from tests.e2e.conftest import provision_input, running_stack
from tests.engine.conftest import files_under
from tests.support.moto import FAKE_CREDENTIALS, running_moto, ses_sent_messages
from tests.support.smtp import running_smtp


def _closed_port() -> tuple[socket.socket, int]:
    """A port that refuses connections and that no other process can take meanwhile.

    Bound but not listening: a connection gets RST (refused), as from a server that is
    down. Closed just before the test starts the real server on it.
    """
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    return sock, port


async def test_smtp_down_leaves_the_tenant_active_and_the_notice_arrives_later(
    tmp_path: Path, temporal_env: WorkflowEnvironment, ses_endpoint: str
) -> None:
    holder, port = _closed_port()

    def smtp_on_a_closed_port(settings: Settings) -> None:
        settings.notifications = NotificationSettings(
            backend="smtp", from_email="noreply@example.com", smtp_port=port
        )
        policy = settings.worker.notification
        policy.maximum_attempts = 0  # the default: until it works (or a day has passed)
        policy.initial_interval = timedelta(milliseconds=200)
        policy.maximum_interval = timedelta(milliseconds=500)

    tid = f"t-{uuid.uuid4().hex[:8]}"
    request = provision_input(tid, "postal", idp=None)
    async with running_stack(
        tmp_path,
        temporal_env,
        ses_endpoint,
        f"sqlite:///{tmp_path / 'registry.db'}",
        configure=smtp_on_a_closed_port,
    ) as stack:
        await stack.client.provision(request)
        result = await stack.client.result("provision", tid)

        assert isinstance(result, ProvisionTenantResult) and result.success, result
        assert stack.registry.get(tid).status is TenantStatus.ACTIVE
        made = files_under(stack.resources)
        assert made, "the tenant has no resources"

        # Undelivered (nothing listens), and the outbox says so between two attempts.
        deadline = asyncio.get_running_loop().time() + 60
        while not [
            n
            for n in stack.registry.outbox.for_tenant(tid)
            if n.kind == "welcome" and n.state is NotificationState.FAILED
        ]:
            assert asyncio.get_running_loop().time() < deadline, "no failed attempt recorded"
            await asyncio.sleep(0.02)

        holder.close()
        with running_smtp(port) as smtp:
            deadline = asyncio.get_running_loop().time() + 60
            while not smtp.received:
                assert asyncio.get_running_loop().time() < deadline, "notice never arrived"
                await asyncio.sleep(0.1)
        [mail] = smtp.received
        assert mail.rcpt_to == [request.contacts[0].email]
        assert stack.registry.get(tid).status is TenantStatus.ACTIVE
        assert files_under(stack.resources) == made


async def test_ses_down_leaves_the_tenant_active_and_the_notice_arrives_later(
    tmp_path: Path, temporal_env: WorkflowEnvironment, ses_endpoint: str
) -> None:
    holder, port = _closed_port()
    sender = "noreply@outage.example.com"

    def ses_on_a_stopped_moto(settings: Settings) -> None:
        settings.notifications = NotificationSettings(backend="ses", from_email=sender)
        settings.aws = settings.aws.model_copy(update={"endpoint_url": f"http://127.0.0.1:{port}"})
        policy = settings.worker.notification
        policy.maximum_attempts = 0
        policy.initial_interval = timedelta(milliseconds=200)
        policy.maximum_interval = timedelta(milliseconds=500)

    tid = f"t-{uuid.uuid4().hex[:8]}"
    request = provision_input(tid, "sesdown", idp=None)
    async with running_stack(
        tmp_path,
        temporal_env,
        ses_endpoint,
        f"sqlite:///{tmp_path / 'registry.db'}",
        configure=ses_on_a_stopped_moto,
    ) as stack:
        await stack.client.provision(request)
        result = await stack.client.result("provision", tid)
        assert isinstance(result, ProvisionTenantResult) and result.success, result
        assert stack.registry.get(tid).status is TenantStatus.ACTIVE
        made = files_under(stack.resources)

        holder.close()
        with running_moto(port) as endpoint:  # SES is back (a fresh one: verify the sender)
            boto3.client(
                "ses", endpoint_url=endpoint, region_name="us-east-1", **FAKE_CREDENTIALS
            ).verify_email_identity(EmailAddress=sender)

            def to_admin() -> list[dict[str, object]]:
                # moto servers in one process share their state: pick this test's mail.
                admin = request.contacts[0].email
                return [m for m in ses_sent_messages(endpoint) if admin in str(m["destinations"])]

            deadline = asyncio.get_running_loop().time() + 60
            while not to_admin():
                assert asyncio.get_running_loop().time() < deadline, "notice never arrived"
                await asyncio.sleep(0.1)
            assert len(to_admin()) == 1  # once, however many attempts failed before
        assert stack.registry.get(tid).status is TenantStatus.ACTIVE
        assert files_under(stack.resources) == made
