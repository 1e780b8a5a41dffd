// Drive the engine exactly as ARC SaaS's tenant-management service does (seed plan,
// Phase 5): the real @temporalio/client, the seed's workflow names, ids, query and signal,
// camelCase payloads with LoopBack's extra fields. One scenario per run; it prints one JSON
// line that the Python test (tests/e2e/test_typescript_client.py) asserts on.
//
//   TEMPORAL_ADDRESS=127.0.0.1:7233 TASK_QUEUE=tenant-provisioning \
//     node conformance.mjs provision <tenantId> <tenantKey>
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';

const [scenario, tenantId, arg] = process.argv.slice(2);
const taskQueue = process.env.TASK_QUEUE ?? 'tenant-provisioning';

// A tenant and its subscription as LoopBack serializes them (ids, audit fields, relations).
function provisioningInput(key, extra = {}) {
  const now = new Date().toISOString();
  return {
    tenantId,
    tenantKey: key,
    tenantName: `${key} inc`,
    domains: [`${key}.example.com`],
    contacts: [
      {
        id: `contact-${key}`,
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: `ada@${key}.example.com`,
        isPrimary: true,
        type: 'admin',
        tenantId,
        createdOn: now,
        modifiedOn: now,
        deleted: false,
      },
    ],
    subscription: {
      id: `sub-${key}`,
      planId: 'plan-standard',
      tier: 'pooled',
      startDate: now,
      endDate: new Date(Date.now() + 365 * 86400e3).toISOString(),
      plan: { id: 'plan-standard', tier: 'pooled', name: 'Standard' },
    },
    ...extra,
  };
}

async function statusesUntilDone(handle, stopWhen = () => false) {
  const seen = [];
  for (let i = 0; i < 1200; i++) {
    const status = await handle.query('getStatus');
    if (!seen.length || JSON.stringify(seen.at(-1)) !== JSON.stringify(status)) seen.push(status);
    if (status.done || stopWhen(status)) return seen;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the workflow never finished');
}

async function outcome(handle) {
  try {
    return { ok: true, result: await handle.result() };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const cause = err.cause;
    return {
      ok: false,
      type: cause?.type ?? cause?.name,
      message: cause?.message,
      nonRetryable: cause?.nonRetryable,
      details: cause?.details ?? [],
    };
  }
}

async function main() {
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  let report;
  try {
    if (scenario === 'provision' || scenario === 'cancel') {
      const extra = scenario === 'cancel' ? { parameters: { infra_delay: '2' } } : {};
      const handle = await client.workflow.start('provisionTenantWorkflow', {
        taskQueue,
        workflowId: `provision-tenant-${tenantId}`,
        args: [provisioningInput(arg, extra)],
      });
      let signalled = false;
      const statuses = await statusesUntilDone(handle, (status) => {
        if (scenario === 'cancel' && status.step === 'provisioning_infrastructure' && !signalled) {
          signalled = true;
          handle.signal('provisioningCancelled');
        }
        return false;
      });
      report = { workflowId: handle.workflowId, statuses, ...(await outcome(handle)) };
    } else if (scenario === 'deploy') {
      const handle = await client.workflow.start('deployTenantWorkflow', {
        taskQueue,
        workflowId: `deploy-tenant-${tenantId}`,
        args: [{ tenantId, appVersion: arg }],
      });
      report = { workflowId: handle.workflowId, ...(await outcome(handle)) };
    } else if (scenario === 'deprovision') {
      const handle = await client.workflow.start('deprovisionTenantWorkflow', {
        taskQueue,
        workflowId: `deprovision-tenant-${tenantId}`,
        args: [{ tenantId }],
      });
      report = { workflowId: handle.workflowId, ...(await outcome(handle)) };
    } else if (scenario === 'invalid') {
      const input = provisioningInput(arg);
      input.tenantKey = 'Not A Key';
      input.contacts[0].email = 'not-an-email';
      const handle = await client.workflow.start('provisionTenantWorkflow', {
        taskQueue,
        workflowId: `provision-tenant-${tenantId}`,
        args: [input],
      });
      report = { workflowId: handle.workflowId, ...(await outcome(handle)) };
    } else {
      throw new Error(`unknown scenario ${scenario}`);
    }
  } finally {
    await connection.close();
  }
  process.stdout.write(JSON.stringify(report) + '\n');
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
