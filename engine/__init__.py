"""The tenant engine, grouped by role (see the README's layout section):

* ``engine.core``           shared types: errors, models, contracts, results, settings
* ``engine.pulumi``         ``PulumiRunner``: operations on tenant stacks (Automation API)
* ``engine.registry``       tenants, status history, resources, the notification outbox
* ``engine.notifications``  tenant notices by SES, SMTP or the log
* ``engine.temporal``       ``TenantClient``: start and follow the tenant workflows
* ``engine.telemetry``      metrics (Prometheus), traces (OpenTelemetry), log formats
* ``engine.serving``        what the worker and the API share: run loop, health
* ``engine.worker``         the worker entry point (``tenantctl worker``)
* ``engine.api``            the gRPC API (``tenantctl api``)
* ``engine.cli``            ``tenantctl``

This package imports nothing itself: workflow code imports ``engine.core`` modules
inside the Temporal sandbox, and must not pull the rest in.
"""
