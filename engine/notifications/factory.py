"""Build the notifier the settings ask for."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from engine.core.settings import AwsSettings, Settings
from engine.registry import TenantRegistry

from .notifier import Notifier
from .senders import EmailSender, LogSender, SesSender, SmtpSender

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient

__all__ = ["build_notifier", "ses_client"]

# One HTTP attempt per send: a botocore retry after a lost answer could deliver twice,
# behind the outbox's back. Temporal retries the activity instead.
_SES_CONFIG = Config(connect_timeout=5, read_timeout=20, retries={"total_max_attempts": 1})


def ses_client(aws: AwsSettings) -> SESClient:
    """An SES client for the configured region and endpoint (LocalStack or moto in dev)."""
    session = boto3.session.Session(
        aws_access_key_id=aws.access_key_id,
        aws_secret_access_key=(
            aws.secret_access_key.get_secret_value() if aws.secret_access_key else None
        ),
        region_name=aws.region,
    )
    return session.client("ses", endpoint_url=aws.endpoint_url, config=_SES_CONFIG)


def build_notifier(settings: Settings, registry: TenantRegistry) -> Notifier:
    """The notifier for ``settings.notifications.backend``, with the registry's outbox."""
    config = settings.notifications
    sender: EmailSender
    if config.backend == "ses":
        sender = SesSender(ses_client(settings.aws), config.from_email)
    elif config.backend == "smtp":
        sender = SmtpSender(
            host=config.smtp_host,
            port=config.smtp_port,
            from_email=config.from_email,
            username=config.smtp_username,
            password=config.smtp_password,
            starttls=config.smtp_starttls,
        )
    else:
        sender = LogSender()
    return Notifier(sender, registry.outbox)
