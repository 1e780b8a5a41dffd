"""Issue 15: the database driver's own words never reach a progress line or an outcome.

A registry activity that fails on the database says so in a short sentence (its
``ApplicationError`` message is what the workflow's status and result repeat); the
driver's text, with its host, port and SQL, goes to the worker log only.
"""

from __future__ import annotations

import logging
from typing import Any, cast

import pytest
from sqlalchemy.exc import IntegrityError
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.tenants import REGISTRY_UNAVAILABLE, TenantActivities
from engine.core.errors import RegistryUnavailableError
from engine.notifications import Notifier
from engine.registry import TenantRegistry

DRIVER_TEXT = (
    'tenant registry unavailable: connection failed: connection to server at "10.1.2.3", '
    "port 5432 failed: Connection refused"
)


class _Failing:
    """A registry whose reads fail the way the real one does on its database."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def get(self, tenant_id: str) -> Any:
        raise self.error


def _activities(error: Exception) -> TenantActivities:
    registry = cast(TenantRegistry, _Failing(error))
    return TenantActivities(registry, cast(Notifier, object()))


async def test_an_unreachable_registry_is_one_short_sentence(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.WARNING)
    activities = _activities(RegistryUnavailableError(DRIVER_TEXT))
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(activities.load_tenant, "t-acme")
    assert caught.value.message == REGISTRY_UNAVAILABLE
    assert caught.value.type == "RegistryUnavailableError"
    assert not caught.value.non_retryable
    assert caught.value.__cause__ is None  # the driver's text does not travel with it
    assert "10.1.2.3" in caplog.text  # the log keeps it


async def test_another_database_error_hides_its_sql(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.WARNING)
    raw = IntegrityError(
        "INSERT INTO tenants (tenant_key) VALUES (?)", ("acme",), Exception("UNIQUE failed")
    )
    activities = _activities(raw)
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(activities.load_tenant, "t-acme")
    assert caught.value.message == (
        "the tenant registry failed (IntegrityError; the worker log has details)"
    )
    assert "INSERT" not in str(caught.value) and caught.value.__cause__ is None
    assert not caught.value.non_retryable  # retried, as any unexpected error was
    assert "INSERT INTO tenants" in caplog.text
