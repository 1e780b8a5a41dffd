"""A tenant provisioned, changed and removed for real: workflow, worker, Pulumi, registry, SES."""

from __future__ import annotations

import json
import uuid

from temporalio.client import WorkflowHistory

from engine.core.contracts import (
    DeployTenantInput,
    DeployTenantResult,
    DeprovisionTenantInput,
    DeprovisionTenantResult,
    ProvisionTenantResult,
)
from engine.core.models import TenantStatus
from stacks.local import read_journal
from tests.e2e.conftest import Stack, emails_to, provision_input
from tests.engine.conftest import files_under


async def test_provision_then_deprovision_leaves_nothing(stack: Stack, ses_endpoint: str) -> None:
    tid = f"t-{uuid.uuid4().hex[:8]}"
    request = provision_input(tid, "acme")
    admin = request.contacts[0].email

    started = await stack.client.provision(request)
    result = await stack.client.result("provision", tid)

    assert isinstance(result, ProvisionTenantResult) and result.success, result
    assert result.app_url == "http://acme.localhost/"
    assert result.idp_organization_id == "org-acme"
    assert [s.name for s in stack.engine.list_stacks("acme")] == [
        "acme-app",
        "acme-idp",
        "acme-infra",
    ]
    assert files_under(stack.resources, "acme") == [
        "acme/app/0.json",
        "acme/idp/0.json",
        "acme/infra/0.json",
        "acme/infra/1.json",
        "acme/infra/2.json",
    ]
    tenant = stack.registry.get(tid)
    assert tenant.status is TenantStatus.ACTIVE
    assert [h.to_status for h in stack.registry.history(tid)] == [
        TenantStatus.PENDINGPROVISION,
        TenantStatus.PROVISIONING,
        TenantStatus.ACTIVE,
    ]
    assert all(h.workflow_id == started.workflow_id for h in stack.registry.history(tid)[1:])
    recorded = {(r.component.value, r.physical_id) for r in stack.registry.resources(tid)}
    assert ("infra", "acme/infra/2.json") in recorded and len(recorded) == 5
    assert await stack.notices_sent("provision", tid) == 1
    welcome = emails_to(ses_endpoint, admin)
    assert len(welcome) == 1 and "Acme" in str(welcome[0]["subject"])

    # The IdP client secret is a stack secret: it never reaches the workflow history.
    secret = stack.engine.outputs("acme", "idp", reveal=True)["client_secret"]  # type: ignore[arg-type]
    history: WorkflowHistory = await stack.client.handle("provision", tid).fetch_history()
    assert secret not in history.to_json()
    assert stack.settings.pulumi.passphrase is not None
    assert stack.settings.pulumi.passphrase.get_secret_value() not in history.to_json()

    await stack.client.deprovision(DeprovisionTenantInput(tenant_id=tid))
    removed = await stack.client.result("deprovision", tid)

    assert isinstance(removed, DeprovisionTenantResult) and removed.success, removed
    assert removed.destroyed == ["app", "infra", "idp"]
    assert files_under(stack.resources) == []
    assert stack.engine.list_stacks("acme") == []
    assert stack.registry.get(tid).status is TenantStatus.INACTIVE
    assert stack.registry.resources(tid) == []
    assert await stack.notices_sent("deprovision", tid) == 1
    assert len(emails_to(ses_endpoint, admin)) == 2  # welcome, deprovisioned


async def test_failure_at_the_app_step_is_compensated_completely(
    stack: Stack, ses_endpoint: str
) -> None:
    tid = f"t-{uuid.uuid4().hex[:8]}"
    request = provision_input(tid, "globex", parameters={"fail": "app:create"})

    await stack.client.provision(request)
    result = await stack.client.result("provision", tid)

    assert isinstance(result, ProvisionTenantResult) and not result.success
    assert result.error_type == "ProviderError"
    assert "injected failure: create of globex/app/0.json" in (result.error or "")
    assert result.compensated == ["app", "infra", "idp"]
    assert result.compensation_failures == []
    # Nothing left: no resource file, no stack, no recorded resource.
    assert files_under(stack.resources) == []
    assert stack.engine.list_stacks("globex") == []
    assert stack.registry.get(tid).status is TenantStatus.PROVISIONFAILED
    assert stack.registry.resources(tid) == []
    creates = [e for e in read_journal(stack.resources) if e["op"] == "create"]
    deletes = [e for e in read_journal(stack.resources) if e["op"] == "delete"]
    assert sorted(e["path"] for e in creates) == sorted(e["path"] for e in deletes)
    assert await stack.notices_sent("provision", tid) == 1
    [failure] = emails_to(ses_endpoint, request.contacts[0].email)
    assert "fail" in str(failure["subject"]).lower()


async def test_dry_run_plans_everything_and_changes_nothing(stack: Stack) -> None:
    tid = f"t-{uuid.uuid4().hex[:8]}"

    await stack.client.provision(provision_input(tid, "initech", dry_run=True))
    result = await stack.client.result("preview", tid)

    assert isinstance(result, ProvisionTenantResult) and result.success and result.dry_run
    assert [(p.component.value, len(p.planned)) for p in result.plan] == [
        ("idp", 1),
        ("infra", 3),
        ("app", 1),
    ]
    assert all(c.op == "create" for p in result.plan for c in p.planned)
    assert files_under(stack.resources) == []
    assert read_journal(stack.resources) == []


async def test_deploy_rolls_forward_and_back(stack: Stack) -> None:
    tid = f"t-{uuid.uuid4().hex[:8]}"
    await stack.client.provision(provision_input(tid, "hooli", idp=None))
    assert (await stack.client.result("provision", tid)).success  # type: ignore[attr-defined]

    await stack.client.deploy(DeployTenantInput(tenant_id=tid, app_version="2.0.0"))
    forward = await stack.client.result("deploy", tid)
    assert isinstance(forward, DeployTenantResult) and forward.success, forward
    assert (forward.previous_version, forward.app_version) == ("1.0.0", "2.0.0")
    assert stack.registry.get(tid).app_version == "2.0.0"
    app_file = stack.resources / "hooli/app/0.json"
    assert json.loads(app_file.read_text())["version"] == "2.0.0"

    # Break the app's updates: the deploy fails and puts 2.0.0 back.
    stack.registry.upsert_tenant(
        stack.registry.get(tid).spec().model_copy(update={"parameters": {"fail": "app:update"}})
    )
    await stack.client.deploy(DeployTenantInput(tenant_id=tid, app_version="3.0.0"))
    back = await stack.client.result("deploy", tid)
    assert isinstance(back, DeployTenantResult) and not back.success
    assert back.previous_version == "2.0.0" and back.rolled_back
    assert "injected failure: update of hooli/app/0.json" in (back.error or "")
    assert json.loads(app_file.read_text())["version"] == "2.0.0"
    assert stack.registry.get(tid).app_version == "2.0.0"


async def test_cancel_during_a_pulumi_step_stops_it_and_removes_everything(
    stack: Stack,
) -> None:
    tid = f"t-{uuid.uuid4().hex[:8]}"
    request = provision_input(
        tid, "soylent", idp=None, parameters={"infra_resources": "4", "infra_delay": "6"}
    )
    await stack.client.provision(request)

    # Wait until Pulumi is really creating infra resources, then cancel.
    seen_progress = None
    async for status in stack.client.watch("provision", tid):
        if status.pulumi is not None and status.pulumi.stack == "soylent-infra":
            seen_progress = status.pulumi
            break
    assert seen_progress is not None and seen_progress.operation == "up"
    await stack.client.cancel("provision", tid)
    result = await stack.client.result("provision", tid)

    assert isinstance(result, ProvisionTenantResult) and not result.success
    assert result.error_type == "CancelledError"
    assert result.compensated == ["infra"]
    assert files_under(stack.resources) == []
    assert stack.engine.list_stacks("soylent") == []
    assert stack.registry.get(tid).status is TenantStatus.PROVISIONFAILED


async def test_provision_with_the_registry_in_postgresql(pg_stack: Stack) -> None:
    tid = f"t-{uuid.uuid4().hex[:8]}"
    assert pg_stack.settings.registry.database_url.startswith("postgresql+psycopg://")

    await pg_stack.client.provision(provision_input(tid, "wonka", idp=None))
    result = await pg_stack.client.result("provision", tid)

    assert isinstance(result, ProvisionTenantResult) and result.success, result
    assert pg_stack.registry.get(tid).status is TenantStatus.ACTIVE
    assert {r.component.value for r in pg_stack.registry.resources(tid)} == {"infra", "app"}
    assert [h.to_status for h in pg_stack.registry.history(tid)][-1] is TenantStatus.ACTIVE
