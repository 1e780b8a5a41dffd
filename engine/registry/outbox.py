"""The notification outbox: one row per idempotency key, so an email goes out at most once.

The notifier reserves a key before sending, marks it sent afterwards, and releases it
when the send fails. The protocol (and why it is at-most-once) is described on
``engine.notifications.Notifier``; this module only keeps the rows consistent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select, update

from engine.core.errors import ValidationError

from . import _convert, _dialect
from ._db import Database
from .models import NotificationRecord, NotificationState
from .schema import NotificationRow, utcnow

__all__ = ["NotificationOutbox"]

logger = logging.getLogger(__name__)

MAX_KEY_LENGTH = 255


class NotificationOutbox:
    """Reservations of idempotency keys, in the registry's database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def reserve(
        self, key: str, *, tenant_id: str, kind: str, recipients: Sequence[str]
    ) -> tuple[bool, NotificationRecord]:
        """Reserve ``key``: ``(True, row)`` if this caller may send, else ``(False, existing)``.

        The unique key decides between concurrent callers; the loser gets the winner's row.
        A key whose last attempt failed (``release``) may be reserved again, by one caller.
        """
        if not key or len(key) > MAX_KEY_LENGTH:
            raise ValidationError(f"must be 1-{MAX_KEY_LENGTH} characters", field="idempotency_key")
        pending, failed = NotificationState.PENDING.value, NotificationState.FAILED.value
        with self._db.transaction() as session:
            insert = _dialect.insert(session, NotificationRow).values(
                idempotency_key=key,
                tenant_id=tenant_id,
                kind=kind,
                state=pending,
                recipients=list(recipients),
                message_id=None,
                created_at=utcnow(),
                sent_at=None,
            )
            # One statement decides: a new key is inserted, a failed attempt's row is taken
            # back for this attempt, a pending or sent row is left alone and returns nothing.
            # Concurrent callers queue on the key (PostgreSQL waits for the other's commit,
            # SQLite's writers are serialized), so exactly one of them gets a row back.
            reserve = insert.on_conflict_do_update(
                index_elements=[NotificationRow.idempotency_key],
                set_={"state": pending, "recipients": insert.excluded.recipients},
                where=NotificationRow.state == failed,
            ).returning(NotificationRow)
            won = session.scalars(
                reserve, execution_options={"populate_existing": True}
            ).one_or_none()
            if won is not None:
                return True, _convert.notification(won)
            # Rows are never deleted, so the one that made us lose is there to read.
            existing = session.get(NotificationRow, key)
            if existing is None:
                raise RuntimeError(f"notification {key!r} lost its reservation row")
            logger.info("notification %s already %s", key, existing.state)
            return False, _convert.notification(existing)

    def mark_sent(self, key: str, message_id: str | None) -> NotificationRecord:
        """Record that the provider accepted the message reserved under ``key``."""
        with self._db.transaction() as session:
            row = session.get(NotificationRow, key, with_for_update=True)
            if row is None:
                raise ValidationError(f"no reservation for {key!r}", field="idempotency_key")
            row.state = NotificationState.SENT.value
            row.message_id = message_id
            row.sent_at = utcnow()
            return _convert.notification(row)

    def release(self, key: str) -> bool:
        """Mark a pending reservation ``failed`` so a retry may send; ``sent`` stays sent.

        The row stays: an operator sees that a notice is owed (``for_tenant``) while the
        mail service is down, not only once it has been sent.
        """
        with self._db.transaction() as session:
            result = session.execute(
                update(NotificationRow)
                .where(
                    NotificationRow.idempotency_key == key,
                    NotificationRow.state == NotificationState.PENDING.value,
                )
                .values(state=NotificationState.FAILED.value)
            )
            released: int = getattr(result, "rowcount", 0)
        return released > 0

    def get(self, key: str) -> NotificationRecord | None:
        with self._db.transaction() as session:
            row = session.get(NotificationRow, key)
            return _convert.notification(row) if row is not None else None

    def for_tenant(self, tenant_id: str) -> list[NotificationRecord]:
        """Everything reserved or sent for a tenant, oldest first."""
        with self._db.transaction() as session:
            rows = session.scalars(
                select(NotificationRow)
                .where(NotificationRow.tenant_id == tenant_id)
                .order_by(NotificationRow.created_at, NotificationRow.idempotency_key)
            )
            return [_convert.notification(row) for row in rows]
