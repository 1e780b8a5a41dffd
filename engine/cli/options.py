"""Options and arguments the commands share (typer ``Annotated`` aliases)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "DetachOpt",
    "DomainOpt",
    "EmailOpt",
    "EndOpt",
    "FileOpt",
    "IdOpt",
    "IdpOpt",
    "KeyArg",
    "KindOpt",
    "NameOpt",
    "Output",
    "OutputOpt",
    "ParamOpt",
    "PlanOpt",
    "StartOpt",
    "SubOpt",
    "TenantArg",
    "TierOpt",
    "VersionOpt",
]


class Output(StrEnum):
    TEXT = "text"
    JSON = "json"


OutputOpt = Annotated[
    Output, typer.Option("--output", "-o", help="text for people, json for scripts")
]
TenantArg = Annotated[str, typer.Argument(help="Tenant id.", show_default=False)]
KindOpt = Annotated[
    str,
    typer.Option(
        "--kind", help="Which workflow: provision, deprovision, deploy, preview, reconcile."
    ),
]
DetachOpt = Annotated[
    bool, typer.Option("--detach", "-d", help="Return once started; do not follow.")
]
KeyArg = Annotated[
    str | None, typer.Argument(help="Tenant key (3-32 of a-z, 0-9, -).", show_default=False)
]
IdOpt = Annotated[str | None, typer.Option("--id", help="Tenant id (default: the key)")]
NameOpt = Annotated[str | None, typer.Option("--name", help="Display name (default: the key)")]
TierOpt = Annotated[str | None, typer.Option("--tier", help="silo, pooled or bridge.")]
EmailOpt = Annotated[
    list[str] | None,
    typer.Option("--email", help="Contact email (repeat; first is primary). A preview needs none."),
]
DomainOpt = Annotated[list[str] | None, typer.Option("--domain", help="Domain (repeatable).")]
PlanOpt = Annotated[str | None, typer.Option("--plan", help="Plan id (default: standard)")]
SubOpt = Annotated[str | None, typer.Option("--subscription-id", help="(default: sub-<key>)")]
StartOpt = Annotated[str | None, typer.Option("--start", help="YYYY-MM-DD (default: today)")]
EndOpt = Annotated[str | None, typer.Option("--end", help="YYYY-MM-DD (default: start + 1y)")]
IdpOpt = Annotated[str | None, typer.Option("--idp", help="auth0 or keycloak (default: none)")]
VersionOpt = Annotated[str | None, typer.Option("--app-version", help="(default: 1.0.0)")]
ParamOpt = Annotated[
    list[str] | None, typer.Option("--param", help="Catalog knob KEY=VALUE (repeatable).")
]
FileOpt = Annotated[
    Path | None, typer.Option("--file", "-f", help="Request as YAML/JSON (proto field names).")
]
