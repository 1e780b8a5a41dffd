"""Errors raised when a notification cannot be delivered.

::

    EngineError
    └── NotificationError
        ├── NotificationRejectedError  the provider refused it: unverified sender,
        │                              bad recipient, auth, no STARTTLS      (permanent)
        └── NotificationDeliveryError  network, throttling, 4xx, timeouts     (retryable)

Each sender maps its library's exceptions here once, so activities classify them the
same way whatever the backend.
"""

from __future__ import annotations

from engine.errors import EngineError

__all__ = ["NotificationDeliveryError", "NotificationError", "NotificationRejectedError"]


class NotificationError(EngineError):
    """A notification could not be delivered."""


class NotificationRejectedError(NotificationError):
    """The provider refused the message; retrying without a configuration change won't help."""


class NotificationDeliveryError(NotificationError):
    """A transient failure; a later attempt may succeed.

    ``maybe_sent`` is True when the request reached the provider and the answer was lost
    (a read timeout): the message may have gone out, so the notifier keeps its
    reservation rather than risk a second copy.
    """

    retryable = True

    def __init__(self, message: str, *, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent
