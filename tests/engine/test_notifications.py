"""Notifications: templates, and real deliveries to SES (moto server) and an SMTP server.

The notifier, its outbox (SQLite registry) and the senders are all real; the providers
are moto's SES over HTTP and a minimal SMTP server from ``tests/support``. Moto state is
process-wide, so each test uses its own sender and recipient addresses.
"""

from __future__ import annotations

import logging
import socket
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pydantic
import pytest

from engine.core.errors import (
    NotificationDeliveryError,
    NotificationRejectedError,
    ValidationError,
)
from engine.core.models import Contact, TenantSpec
from engine.core.settings import AwsSettings, NotificationSettings, Settings
from engine.notifications import (
    LogSender,
    NotificationContext,
    NotificationKind,
    Notifier,
    OutgoingEmail,
    SendResult,
    build_notifier,
    render,
)
from engine.registry import NotificationState, TenantRegistry
from tests.conftest import make_spec
from tests.support.moto import FAKE_CREDENTIALS, ses_sent_messages
from tests.support.smtp import SmtpServer, running_smtp

K = NotificationKind
WELCOME = NotificationContext(app_url="https://acme.app.example.com/")


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[TenantRegistry]:
    with TenantRegistry(f"sqlite:///{tmp_path / 'registry.db'}") as registry:
        yield registry


@pytest.fixture
def tenant() -> TenantSpec:
    # Unique addresses: moto keeps every message of the process in one list.
    tag = uuid.uuid4().hex[:8]
    return make_spec(
        "acme",
        contacts=(
            Contact(email=f"ada-{tag}@acme.example.com", first_name="Ada"),
            Contact(email=f"ops-{tag}@acme.example.com", is_primary=True),
        ),
    )


def _settings(**notifications: object) -> Settings:
    return Settings(
        _env_file=None,
        notifications=NotificationSettings.model_validate(notifications),
    )


def _ses_settings(moto: str, from_email: str) -> Settings:
    settings = _settings(backend="ses", from_email=from_email)
    settings.aws = AwsSettings(
        endpoint_url=moto,
        region="eu-west-1",
        access_key_id=FAKE_CREDENTIALS["aws_access_key_id"],
        secret_access_key=FAKE_CREDENTIALS["aws_secret_access_key"],
    )
    return settings


def _verify_sender(moto: str, address: str) -> None:
    ses = boto3.client(
        "ses",
        endpoint_url=moto,
        region_name="eu-west-1",
        aws_access_key_id=FAKE_CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=FAKE_CREDENTIALS["aws_secret_access_key"],
    )
    ses.verify_email_identity(EmailAddress=address)


def _received_by(moto: str, address: str) -> list[dict[str, Any]]:
    return [
        message
        for message in ses_sent_messages(moto)
        if address in message["destinations"].get("ToAddresses", [])
    ]


# -- templates -----------------------------------------------------------------------------


def test_welcome_is_escaped_in_html_and_plain_in_text() -> None:
    spec = make_spec("acme", tenant_name='Acme <script>alert("x")</script> & Co')
    url = "https://acme.example.com/login?a=1&b=2"

    email = render(K.WELCOME, spec, NotificationContext(app_url=url))

    assert email.subject == 'Acme <script>alert("x")</script> & Co is ready'
    assert "Hello Ada," in email.text
    assert url in email.text
    assert "<script>" not in email.html
    assert "Acme &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in email.html
    assert 'href="https://acme.example.com/login?a=1&amp;b=2"' in email.html
    assert email.to == ("admin@acme.example.com",)


def test_failure_and_deprovision_notices_carry_their_details(tenant: TenantSpec) -> None:
    failed = render(
        K.PROVISIONING_FAILED, tenant, NotificationContext(error="bucket <acme> exists\nstop")
    )
    assert failed.subject == "Setting up Acme failed"
    assert "bucket <acme> exists" in failed.text
    assert "<pre>bucket &lt;acme&gt; exists\nstop</pre>" in failed.html
    assert "id-acme" in failed.text
    # Several contacts: no single first name to greet, primary contact first.
    assert failed.text.startswith("Hello,\n")
    assert failed.to == (tenant.contacts[1].email, tenant.contacts[0].email)

    gone = render(K.DEPROVISIONED, tenant, NotificationContext())
    assert gone.subject == "Acme has been removed"
    assert "deprovisioned" in gone.text


def test_render_refuses_what_cannot_make_a_sane_email() -> None:
    with pytest.raises(ValidationError) as caught:
        render(K.WELCOME, make_spec("acme"), NotificationContext())
    assert caught.value.field == "app_url"
    with pytest.raises(pydantic.ValidationError, match="http"):
        NotificationContext(app_url="javascript:alert(1)")
    long_error = NotificationContext(error="x" * 5000).error
    assert long_error is not None and len(long_error) == 2000
    # A newline in a name must not start a new mail header.
    email = render(
        K.DEPROVISIONED,
        make_spec("acme", tenant_name="Acme\nBcc: x@evil.io"),
        NotificationContext(),
    )
    assert email.subject == "Acme Bcc: x@evil.io has been removed"


# -- SES (moto server) ---------------------------------------------------------------------


def test_ses_welcome_arrives_once_when_the_activity_is_retried(
    moto: str, registry: TenantRegistry, tenant: TenantSpec
) -> None:
    sender = f"noreply-{uuid.uuid4().hex[:8]}@example.com"
    _verify_sender(moto, sender)
    notifier = build_notifier(_ses_settings(moto, sender), registry)

    first = notifier.send(K.WELCOME, tenant, idempotency_key="wf-1:welcome", context=WELCOME)
    second = notifier.send(K.WELCOME, tenant, idempotency_key="wf-1:welcome", context=WELCOME)

    assert first.sent and not first.already_sent and first.message_id
    assert second == SendResult(
        sent=False, already_sent=True, message_id=first.message_id, recipients=first.recipients
    )
    [message] = _received_by(moto, tenant.contacts[0].email)
    assert message["id"] == first.message_id
    assert message["source"] == sender
    assert message["subject"] == "Acme is ready"
    assert sorted(message["destinations"]["ToAddresses"]) == sorted(
        c.email for c in tenant.contacts
    )
    assert "https://acme.app.example.com/" in message["body"]
    [row] = registry.outbox.for_tenant("id-acme")
    assert (row.state, row.message_id, row.kind) == (
        NotificationState.SENT,
        first.message_id,
        "welcome",
    )


def test_ses_rejection_releases_the_reservation_so_a_retry_sends(
    moto: str, registry: TenantRegistry, tenant: TenantSpec
) -> None:
    sender = f"unverified-{uuid.uuid4().hex[:8]}@example.com"
    notifier = build_notifier(_ses_settings(moto, sender), registry)

    with pytest.raises(NotificationRejectedError, match="MessageRejected") as caught:
        notifier.send(K.WELCOME, tenant, idempotency_key="wf-2:welcome", context=WELCOME)
    assert not caught.value.retryable
    # Kept, marked failed: an operator sees the notice is owed.
    assert registry.outbox.get("wf-2:welcome").state is NotificationState.FAILED  # type: ignore[union-attr]
    assert _received_by(moto, tenant.contacts[0].email) == []

    _verify_sender(moto, sender)  # the operator fixes the configuration; the retry runs
    result = notifier.send(K.WELCOME, tenant, idempotency_key="wf-2:welcome", context=WELCOME)

    assert result.sent
    assert [m["id"] for m in _received_by(moto, tenant.contacts[0].email)] == [result.message_id]


def test_ses_concurrent_attempts_send_one_email(
    moto: str, registry: TenantRegistry, tenant: TenantSpec
) -> None:
    sender = f"noreply-{uuid.uuid4().hex[:8]}@example.com"
    _verify_sender(moto, sender)
    notifier = build_notifier(_ses_settings(moto, sender), registry)
    barrier = threading.Barrier(6)

    def attempt(_: int) -> SendResult:
        barrier.wait()
        return notifier.send(K.PROVISIONING_FAILED, tenant, idempotency_key="wf-3:failed",
                             context=NotificationContext(error="boom"))  # fmt: skip

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(attempt, range(6)))

    assert sum(r.sent for r in results) == 1
    assert all(r.sent or r.already_sent for r in results)
    assert len(_received_by(moto, tenant.contacts[0].email)) == 1


def test_a_reservation_left_by_a_crashed_attempt_is_not_sent_again(
    moto: str, registry: TenantRegistry, tenant: TenantSpec
) -> None:
    # The earlier attempt reserved the key, maybe sent, and died before marking it sent.
    registry.outbox.reserve("wf-4:welcome", tenant_id="id-acme", kind="welcome", recipients=[])
    sender = f"noreply-{uuid.uuid4().hex[:8]}@example.com"
    _verify_sender(moto, sender)
    notifier = build_notifier(_ses_settings(moto, sender), registry)

    result = notifier.send(K.WELCOME, tenant, idempotency_key="wf-4:welcome", context=WELCOME)

    assert (result.sent, result.already_sent, result.message_id) == (False, True, None)
    assert _received_by(moto, tenant.contacts[0].email) == []


def test_ses_unreachable_is_retryable_and_releases(
    registry: TenantRegistry, tenant: TenantSpec
) -> None:
    with socket.socket() as probe:  # a free port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    notifier = build_notifier(_ses_settings(f"http://127.0.0.1:{port}", "a@example.com"), registry)

    with pytest.raises(NotificationDeliveryError, match="unreachable") as caught:
        notifier.send(K.DEPROVISIONED, tenant, idempotency_key="wf-5:gone")

    assert caught.value.retryable and not caught.value.maybe_sent
    # Kept, marked failed: an operator sees the notice is owed.
    assert registry.outbox.get("wf-5:gone").state is NotificationState.FAILED  # type: ignore[union-attr]


class _LostAnswer:
    """A provider that may have accepted the message but whose answer never came."""

    def __init__(self) -> None:
        self.calls = 0

    def send(self, email: OutgoingEmail) -> str:
        self.calls += 1
        raise NotificationDeliveryError("read timeout", maybe_sent=True)


def test_a_lost_answer_keeps_the_reservation(registry: TenantRegistry, tenant: TenantSpec) -> None:
    # Fake sender: a read timeout cannot be provoked from moto in reasonable time; the
    # notifier's handling of it is what is under test.
    provider = _LostAnswer()
    notifier = Notifier(provider, registry.outbox)

    with pytest.raises(NotificationDeliveryError):
        notifier.send(K.DEPROVISIONED, tenant, idempotency_key="wf-6:gone")
    retry = notifier.send(K.DEPROVISIONED, tenant, idempotency_key="wf-6:gone")

    assert (retry.sent, retry.already_sent, provider.calls) == (False, True, 1)
    assert registry.outbox.get("wf-6:gone").state is NotificationState.PENDING  # type: ignore[union-attr]


# -- SMTP ----------------------------------------------------------------------------------


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with running_smtp() as server:
        yield server


def _smtp_notifier(smtp: SmtpServer, registry: TenantRegistry, **extra: object) -> Notifier:
    settings = _settings(
        backend="smtp",
        from_email="noreply@example.com",
        smtp_host=smtp.host,
        smtp_port=smtp.port,
        **extra,
    )
    return build_notifier(settings, registry)


def test_smtp_delivers_a_multipart_email_once(
    smtp: SmtpServer, registry: TenantRegistry, tenant: TenantSpec
) -> None:
    notifier = _smtp_notifier(smtp, registry, smtp_username="mailer", smtp_password="s3cret")

    result = notifier.send(K.WELCOME, tenant, idempotency_key="wf-7:welcome", context=WELCOME)
    again = notifier.send(K.WELCOME, tenant, idempotency_key="wf-7:welcome", context=WELCOME)

    assert result.sent and again.already_sent
    assert smtp.logins == [("mailer", "s3cret")]
    [received] = smtp.received
    assert received.mail_from == "noreply@example.com"
    assert sorted(received.rcpt_to) == sorted(c.email for c in tenant.contacts)
    message = received.message
    assert message["Subject"] == "Acme is ready"
    assert message["Message-ID"] == result.message_id
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and "https://acme.app.example.com/" in text.get_content()
    assert html is not None and '<a href="https://acme.app.example.com/">' in html.get_content()


def test_smtp_refused_recipients_release_so_a_retry_sends(
    smtp: SmtpServer, registry: TenantRegistry, tenant: TenantSpec
) -> None:
    notifier = _smtp_notifier(smtp, registry)
    smtp.reject_recipients = True

    with pytest.raises(NotificationRejectedError, match="refused"):
        notifier.send(K.DEPROVISIONED, tenant, idempotency_key="wf-8:gone")
    # Kept, marked failed: an operator sees the notice is owed.
    assert registry.outbox.get("wf-8:gone").state is NotificationState.FAILED  # type: ignore[union-attr]

    smtp.reject_recipients = False
    assert notifier.send(K.DEPROVISIONED, tenant, idempotency_key="wf-8:gone").sent
    assert len(smtp.received) == 1


def test_smtp_starttls_required_but_not_offered_is_permanent(
    smtp: SmtpServer, registry: TenantRegistry, tenant: TenantSpec
) -> None:
    notifier = _smtp_notifier(smtp, registry, smtp_starttls=True)

    with pytest.raises(NotificationRejectedError, match="STARTTLS"):
        notifier.send(K.DEPROVISIONED, tenant, idempotency_key="wf-9:gone")
    assert smtp.received == []


# -- log backend and edge cases ------------------------------------------------------------


def test_log_backend_is_the_default_and_still_deduplicates(
    registry: TenantRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = build_notifier(_settings(), registry)
    record = registry.upsert_tenant(make_spec("acme"))  # a registry record works as the tenant

    with caplog.at_level(logging.INFO, logger="engine.notifications"):
        first = notifier.send(K.WELCOME, record, idempotency_key="wf-10:welcome", context=WELCOME)
        second = notifier.send(K.WELCOME, record, idempotency_key="wf-10:welcome", context=WELCOME)

    assert isinstance(notifier._sender, LogSender)
    assert first.sent and first.message_id and first.message_id.startswith("log-")
    assert second.already_sent
    logged = [r.getMessage() for r in caplog.records if r.name == "engine.notifications.senders"]
    assert logged == [f"email {first.message_id} to admin@acme.example.com: Acme is ready"]


def test_a_tenant_without_contacts_gets_nothing_and_reserves_nothing(
    registry: TenantRegistry,
) -> None:
    notifier = build_notifier(_settings(), registry)

    result = notifier.send(
        K.DEPROVISIONED, make_spec("acme", contacts=()), idempotency_key="wf-11:gone"
    )

    assert result == SendResult(sent=False)
    assert registry.outbox.for_tenant("id-acme") == []
