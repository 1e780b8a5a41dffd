"""Pulumi programs the engine runs: the catalog, the shared platform, and per-tenant
infra (by tier), app and IdP programs. Nothing here imports temporalio or reads the
environment; providers are configured from ``engine.settings.Settings``.

The engine loads a catalog by reference (``stacks.catalog:build_catalog``). Nothing is
imported here: the local programs' dynamic provider runs in a process of its own that
imports ``stacks.local.provider`` (so this package) for every stack, and the cloud
providers' SDKs would cost it two seconds each time.
"""
