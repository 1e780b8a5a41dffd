"""Search attributes the workflows set, so `temporal workflow list --query` finds a tenant.

They must be registered on the namespace (``tenantctl dev`` and the test fixtures start
the dev server with ``--search-attribute`` for each; for a real cluster see the README).
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

__all__ = ["ALL", "TENANT_ID", "TENANT_STATUS", "TENANT_TIER"]

TENANT_ID = SearchAttributeKey.for_keyword("TenantId")
TENANT_TIER = SearchAttributeKey.for_keyword("TenantTier")
TENANT_STATUS = SearchAttributeKey.for_keyword("TenantStatus")

ALL = (TENANT_ID, TENANT_TIER, TENANT_STATUS)
