"""The seed plan's wire contract: camelCase JSON, ARC SaaS's entities as they serialize."""

from __future__ import annotations

import json
from datetime import date

import pytest
from temporalio.exceptions import ApplicationError

from engine.core.contracts import (
    WORKFLOW_TYPES,
    ProvisionTenantInput,
    ProvisionTenantResult,
    WorkflowKind,
    WorkflowStatus,
)
from engine.core.errors import INVALID_PAYLOAD
from engine.core.lenient import violations
from engine.core.models import IdpProvider, Tier
from engine.temporal import data_converter

# TenantProvisioningInput as ARC SaaS's tenant-management service builds it (seed Phase 5):
# LoopBack entities as they serialize, with ids, audit fields and relations beside the
# seed's fields.
ARC_SAAS_INPUT = {
    "tenantId": "4b2a6f1e-0d7c-4e8e-9a51-3c0a2f9d7b10",
    "tenantKey": "acme",
    "tenantName": "Acme Inc",
    "domains": ["acme.example.com"],
    "contacts": [
        {
            "id": "c-1",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "email": "ada@acme.example.com",
            "isPrimary": True,
            "type": "admin",
            "tenantId": "4b2a6f1e-0d7c-4e8e-9a51-3c0a2f9d7b10",
            "createdOn": "2026-11-30T09:12:44.123Z",
            "modifiedOn": "2026-11-30T09:12:44.123Z",
            "deleted": False,
        }
    ],
    "subscription": {
        "id": "sub-9",
        "planId": "plan-standard",
        "tier": "silo",
        "startDate": "2026-12-01T00:00:00.000Z",
        "endDate": "2027-12-01T10:23:45.678Z",
        "plan": {"id": "plan-standard", "tier": "silo", "price": 10},
    },
    "idpConfig": {"provider": "keycloak"},
}


def test_the_seeds_input_with_loopback_extras_is_accepted() -> None:
    parsed = ProvisionTenantInput.model_validate(ARC_SAAS_INPUT)

    assert (parsed.tenant_key, parsed.subscription.tier) == ("acme", Tier.SILO)
    assert parsed.subscription.end_date == date(2027, 12, 1)
    assert parsed.idp is not None and parsed.idp.provider is IdpProvider.KEYCLOAK
    [contact] = parsed.contacts
    assert (contact.first_name, contact.is_primary, contact.type) == ("Ada", True, "admin")


def test_payloads_travel_as_camel_case_json() -> None:
    [payload] = data_converter.payload_converter.to_payloads(
        [ProvisionTenantInput.model_validate(ARC_SAAS_INPUT)]
    )
    sent = json.loads(payload.data)
    assert {"tenantId", "tenantKey", "tenantName", "idpConfig", "subscription"} <= set(sent)
    assert set(sent["subscription"]) >= {"planId", "startDate", "endDate"}
    assert "isPrimary" in sent["contacts"][0]

    result = ProvisionTenantResult(success=True, tenant_id="t", app_url="https://acme/")
    assert json.loads(result.model_dump_json())["appPlaneUrl"] == "https://acme/"
    status = json.loads(WorkflowStatus(percent=30, details="infra").model_dump_json())
    assert (status["step"], status["progress"], status["details"]) == (
        "initializing",
        30,
        "infra",
    )


def test_snake_case_payloads_of_older_histories_still_decode() -> None:
    old = {"success": True, "tenant_id": "t", "app_url": "https://acme/", "retired_field": 1}
    assert ProvisionTenantResult.model_validate(old).app_url == "https://acme/"


def test_workflow_types_are_the_seeds() -> None:
    assert WORKFLOW_TYPES[WorkflowKind.PROVISION] == "provisionTenantWorkflow"
    assert WORKFLOW_TYPES[WorkflowKind.DEPROVISION] == "deprovisionTenantWorkflow"
    assert WORKFLOW_TYPES[WorkflowKind.DEPLOY] == "deployTenantWorkflow"


def test_a_payload_that_does_not_validate_decodes_as_recorded_with_its_violations() -> None:
    """Decoding never rejects (history must replay); the workflow refuses it on its first
    run from the violations (tests/workflows/test_replay.py, tests/e2e TypeScript test)."""
    bad = {**ARC_SAAS_INPUT, "tenantKey": "Not A Key", "contacts": [{"email": "nope"}]}
    [payload] = data_converter.payload_converter.to_payloads([bad])
    [decoded] = data_converter.payload_converter.from_payloads([payload], [ProvisionTenantInput])

    assert isinstance(decoded, ProvisionTenantInput)
    fields = {v["field"] for v in violations(decoded)}
    assert {"tenantKey", "contacts.0.email"} <= fields
    # What still validates is validated; what does not keeps its recorded value.
    assert decoded.tenant_key == "Not A Key"
    assert decoded.subscription.tier is Tier.SILO and decoded.tenant_name == "Acme Inc"
    assert decoded.spec().tenant_key == "Not A Key"  # built as recorded, not refused
    # A valid payload has none.
    [good] = data_converter.payload_converter.from_payloads(
        data_converter.payload_converter.to_payloads([ARC_SAAS_INPUT]), [ProvisionTenantInput]
    )
    assert violations(good) == []


def test_a_payload_that_is_not_an_object_is_refused_naming_the_problem() -> None:
    [payload] = data_converter.payload_converter.to_payloads([["not", "an", "object"]])
    with pytest.raises(ApplicationError) as caught:
        data_converter.payload_converter.from_payloads([payload], [ProvisionTenantInput])
    assert caught.value.type == INVALID_PAYLOAD and caught.value.non_retryable
