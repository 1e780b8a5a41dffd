"""Inputs and results of the notifier (pydantic, so activities can pass them as is)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.core.models import Contact

__all__ = [
    "NotificationContext",
    "NotificationKind",
    "OutgoingEmail",
    "SendResult",
    "TenantLike",
]


class NotificationKind(StrEnum):
    WELCOME = "welcome"
    PROVISIONING_FAILED = "provisioning_failed"
    DEPROVISIONED = "deprovisioned"


class TenantLike(Protocol):
    """What a notice needs to know about a tenant; ``TenantSpec`` and ``TenantRecord`` fit."""

    @property
    def tenant_id(self) -> str: ...
    @property
    def tenant_key(self) -> str: ...
    @property
    def tenant_name(self) -> str: ...
    @property
    def contacts(self) -> Sequence[Contact]: ...


# Error texts come from Pulumi and providers and can be pages long.
MAX_ERROR_CHARS = 2000


class NotificationContext(BaseModel):
    """Event details for the templates; which fields a kind needs is checked on render."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    app_url: str | None = Field(default=None, max_length=2000)
    error: str | None = None

    @field_validator("app_url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        # The URL becomes a link in the HTML body: refuse javascript: and friends.
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("app_url must be an http(s) URL")
        return value

    @field_validator("error")
    @classmethod
    def _truncate(cls, value: str | None) -> str | None:
        if value is not None and len(value) > MAX_ERROR_CHARS:
            return value[: MAX_ERROR_CHARS - 1] + "…"
        return value


class OutgoingEmail(BaseModel):
    """A rendered message, ready for a sender; the sender supplies the From address."""

    model_config = ConfigDict(frozen=True)

    to: tuple[str, ...]
    subject: str
    text: str
    html: str


class SendResult(BaseModel):
    """What ``Notifier.send`` did.

    ``sent`` is True only for the call that handed the message to the provider;
    ``already_sent`` is True when an earlier call with the same idempotency key did (or
    may have: see ``Notifier``). Both False: there was nobody to send to.
    """

    model_config = ConfigDict(frozen=True)

    sent: bool
    already_sent: bool = False
    message_id: str | None = None
    recipients: list[str] = Field(default_factory=list)
