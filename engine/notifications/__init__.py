"""Tenant notices (welcome, provisioning failed, deprovisioned) by SES, SMTP or the log.

``build_notifier(settings, registry)`` is the entry point; ``Notifier`` documents the
at-most-once guarantee.
"""

from __future__ import annotations

from .factory import build_notifier, ses_client
from .models import NotificationContext, NotificationKind, OutgoingEmail, SendResult, TenantLike
from .notifier import Notifier
from .senders import EmailSender, LogSender, SesSender, SmtpSender
from .templates import render

__all__ = [
    "EmailSender",
    "LogSender",
    "NotificationContext",
    "NotificationKind",
    "Notifier",
    "OutgoingEmail",
    "SendResult",
    "SesSender",
    "SmtpSender",
    "TenantLike",
    "build_notifier",
    "render",
    "ses_client",
]
