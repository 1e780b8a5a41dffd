"""``tenantctl``: the typer application, its global options, and ``tenantctl dev``."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Annotated

import typer

from engine.core.errors import EngineError

from . import commands, platform, queries, render
from .backend import TlsFiles
from .exit_codes import EPILOG, ExitCode
from .state import CliState, exit_now

__all__ = ["app", "main"]

app = typer.Typer(
    name="tenantctl",
    help="Provision, deploy and remove tenants through the tenant engine's API.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _global(
    ctx: typer.Context,
    api: Annotated[
        str | None,
        typer.Option(
            envvar="TENANTCTL_API",
            help="API address host:port (default: from TENANT_API__LISTEN, 127.0.0.1:50051)",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(envvar="TENANTCTL_TOKEN", help="Bearer token (default: TENANT_API__TOKEN)"),
    ] = None,
    tls_ca: Annotated[
        Path | None,
        typer.Option(envvar="TENANTCTL_TLS_CA", help="CA of the API's certificate (enables TLS)."),
    ] = None,
    tls_cert: Annotated[
        Path | None, typer.Option(envvar="TENANTCTL_TLS_CERT", help="Client certificate (mTLS).")
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option(envvar="TENANTCTL_TLS_KEY", help="Client key (mTLS).")
    ] = None,
    direct: Annotated[
        bool,
        typer.Option(
            "--direct",
            envvar="TENANTCTL_DIRECT",
            help="Skip the API: talk to Temporal and the registry with the TENANT_* settings.",
        ),
    ] = False,
) -> None:
    tls = TlsFiles(tls_ca, tls_cert, tls_key) if (tls_ca or tls_cert or tls_key) else None
    ctx.obj = CliState(api=api, token=token, tls=tls, direct=direct)


app.command()(commands.provision)
app.command()(commands.preview)
app.command()(commands.deprovision)
app.command()(commands.deploy)
app.command()(commands.reconcile)
app.command()(queries.status)
app.command()(queries.watch)
app.command()(queries.cancel)
app.command("list")(queries.list_tenants)
app.command()(queries.stacks)
app.command()(queries.history)
app.command()(queries.notify)
app.command()(platform.platform)


@app.command()
def worker() -> None:
    """Run the worker (workflows and activities) with the TENANT_* settings; SIGTERM stops it."""
    from engine.worker import main as worker_main

    worker_main()


@app.command()
def api() -> None:
    """Serve the gRPC API alone with the TENANT_* settings (the worker runs elsewhere)."""
    from engine.api.__main__ import main as api_main

    api_main()


@app.command()
def dev(
    ctx: typer.Context,
    state_dir: Annotated[
        Path | None,
        typer.Option(help="Where everything is kept (default: TENANT_PULUMI__STATE_DIR, .state)"),
    ] = None,
    temporal_port: Annotated[int, typer.Option(help="Temporal frontend port.")] = 7233,
    ui_port: Annotated[
        int | None, typer.Option(help="Temporal UI port (default: temporal port + 1000)")
    ] = None,
    api_listen: Annotated[
        str | None, typer.Option(help="API host:port (default: TENANT_API__LISTEN)")
    ] = None,
    catalog: Annotated[
        str | None,
        typer.Option(
            help="local (files; no cloud needed), local+idp (files, but the real Auth0 or "
            "Keycloak program for the IdP: TENANT_KEYCLOAK__* and its provider plugin needed), "
            "aws (real programs: provider plugins and credentials needed) or module:attribute "
            "(default: TENANT_PULUMI__CATALOG if set, else local)"
        ),
    ] = None,
    keycloak: Annotated[
        bool,
        typer.Option(
            "--keycloak",
            help="Also run a local Keycloak (Maven Central's distribution, a JDK 21+; "
            "its database in the state dir) for the tenants' IdP: --idp keycloak makes a "
            "real realm (catalog local+idp unless --catalog says otherwise).",
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Log INFO to the terminal, with tracebacks (without: warnings, one line each; "
            "dev.log has everything).",
        ),
    ] = False,
) -> None:
    """Run Temporal, the worker and the API locally, in one command (Ctrl-C stops it all)."""
    # Imported here: the worker brings Pulumi and the Temporal SDK; other commands need neither.
    from .dev import configure_logging, dev_keycloak, dev_settings, serve, with_keycloak
    from .devserver import TemporalDevServer
    from .keycloak import KeycloakStartError

    state: CliState = ctx.obj
    try:
        base = state.settings()
    except EngineError as exc:
        render.print_error(exc)
        raise typer.Exit(ExitCode.USAGE) from None
    directory = state_dir or base.pulumi.state_dir
    try:
        settings, notes = dev_settings(
            base,
            state_dir=directory,
            temporal_port=temporal_port,
            api_listen=api_listen,
            catalog=catalog,
        )
    except OSError as exc:
        render.err.print(f"error: --state-dir: {exc}", markup=False)
        raise typer.Exit(ExitCode.USAGE) from None
    configure_logging(directory / "dev.log", verbose=verbose)
    server = TemporalDevServer(
        port=temporal_port,
        ui_port=ui_port or temporal_port + 1000,
        db=directory / "temporal.db",
        log_file=directory / "temporal.log",
        namespace=settings.temporal.namespace,
    )
    try:
        with contextlib.ExitStack() as services:
            if keycloak:
                render.err.print(
                    "starting Keycloak (about 35 s the first time, 20 s after) ...", markup=False
                )
                kc = services.enter_context(dev_keycloak(directory))
                settings, more = with_keycloak(settings, kc, catalog_given=catalog is not None)
                notes += more
            code = asyncio.run(serve(settings, server, notes))
    except EngineError as exc:
        render.print_error(exc)
        code = ExitCode.FAILED
    except KeycloakStartError as exc:
        render.err.print(f"error: keycloak: {exc}", markup=False)
        code = ExitCode.FAILED
    exit_now(int(code))  # the worker's Temporal runtime must not outlive us (see exit_now)


def main() -> None:
    """The ``tenantctl`` console script."""
    app()
