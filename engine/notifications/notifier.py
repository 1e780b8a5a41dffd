"""The notifier: renders a notice, and sends it at most once per idempotency key."""

from __future__ import annotations

import logging

from engine.core.errors import NotificationDeliveryError
from engine.registry import NotificationOutbox

from .models import NotificationContext, NotificationKind, SendResult, TenantLike
from .senders import EmailSender
from .templates import render

__all__ = ["Notifier"]

logger = logging.getLogger(__name__)


class Notifier:
    """Sends tenant notices through one sender, deduplicated by the registry's outbox.

    Temporal retries an activity whenever it cannot be sure it finished, so ``send`` is
    called again with the same ``idempotency_key`` (say ``"<workflow id>:welcome"``):

    1. reserve the key (insert a ``pending`` row; the key is unique);
    2. if the key already has a row, ``pending`` or ``sent``, send nothing and report
       ``already_sent``;
    3. send; if the sender raises, mark the reservation failed and re-raise, so the retry
       sends; on success mark the row ``sent`` with the provider's message id.

    This is at-most-once, by choice. A ``pending`` row left by a worker that crashed
    after the provider accepted the message (and before step 3 marked it) is treated as
    sent, as is a send whose answer was lost (``NotificationDeliveryError.maybe_sent``):
    the guess can lose a notice, never duplicate one. A missing email is cheaper than
    two welcome emails, and the row stays visible (``outbox.for_tenant``) for an operator.
    """

    def __init__(self, sender: EmailSender, outbox: NotificationOutbox) -> None:
        self._sender = sender
        self._outbox = outbox

    def send(
        self,
        kind: NotificationKind,
        tenant: TenantLike,
        *,
        idempotency_key: str,
        context: NotificationContext | None = None,
    ) -> SendResult:
        """Send the ``kind`` notice to the tenant's contacts, unless the key was used."""
        kind = NotificationKind(kind)
        email = render(kind, tenant, context or NotificationContext())
        if not email.to:
            logger.warning("tenant %s has no contacts; %s not sent", tenant.tenant_id, kind)
            return SendResult(sent=False)
        reserved, row = self._outbox.reserve(
            idempotency_key, tenant_id=tenant.tenant_id, kind=kind.value, recipients=email.to
        )
        if not reserved:
            logger.info("%s for tenant %s already %s", kind, tenant.tenant_id, row.state.value)
            return SendResult(
                sent=False,
                already_sent=True,
                message_id=row.message_id,
                recipients=list(row.recipients),
            )
        try:
            message_id = self._sender.send(email)
        except BaseException as exc:
            if isinstance(exc, NotificationDeliveryError) and exc.maybe_sent:
                logger.warning(
                    "%s for tenant %s may have been sent (%s); it will not be sent again",
                    kind,
                    tenant.tenant_id,
                    exc,
                )
            else:
                self._outbox.release(idempotency_key)
            raise
        self._outbox.mark_sent(idempotency_key, message_id)
        logger.info(
            "%s for tenant %s sent to %d recipients (%s)",
            kind,
            tenant.tenant_id,
            len(email.to),
            message_id,
        )
        return SendResult(sent=True, message_id=message_id, recipients=list(email.to))
