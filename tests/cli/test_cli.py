"""tenantctl as a user drives it: real processes, real output, documented exit codes."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from engine.api import ApiServer
from engine.core.models import Component
from engine.core.settings import RegistrySettings
from engine.pulumi import ProgramCatalog
from stacks.local import build_local_catalog
from tests.api.certs import make_pki
from tests.api.harness import (
    TOKEN,
    RunningEngine,
    engine_settings,
    running_engine,
    temporal_address,
)
from tests.cli.conftest import Cli, Result, clean_env, finish, start
from tests.support.held import HeldProgram

PROGRESS = re.compile(r"^\[\s*\d+%\] \w+")


def cells(out: str) -> list[list[str]]:
    """The rows of a rich table, as lists of cell texts."""
    rows = []
    for line in out.splitlines():
        if line.startswith(("│", "┃")):
            rows.append([cell.strip() for cell in re.split(r"[│┃]", line)[1:-1]])
    return rows


def assert_clean(err: str) -> None:
    assert "Traceback" not in err
    assert "Exception" not in err


# Tenants whose infra program waits for their test's word: their provision cannot end before
# the interrupt or the cancellation they are there to receive, however slow the machine.
HELD = ("cliint", "clicancel")


@pytest.fixture(scope="module")
def held_infra() -> dict[str, HeldProgram]:
    return {key: HeldProgram(Component.INFRA, tenant_key=key) for key in HELD}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def engine(
    temporal_env: WorkflowEnvironment,
    tmp_path_factory: pytest.TempPathFactory,
    held_infra: dict[str, HeldProgram],
) -> AsyncIterator[RunningEngine]:
    """tests/cli/conftest.py's engine, with the held programs in its worker's catalog."""

    def catalog(root: Path) -> ProgramCatalog:
        built = build_local_catalog(root)
        for program in held_infra.values():
            program.install(built)
        return built

    async with AsyncExitStack() as stack:
        # The worker runs in this process, so its programs can wait on events tests set.
        running = await stack.enter_async_context(
            running_engine(temporal_env, tmp_path_factory.mktemp("cli"), catalog=catalog)
        )
        for program in held_infra.values():  # before the worker stops (last in, first out)
            stack.callback(program.release)
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def cliprov(engine: RunningEngine, tmp_path_factory: pytest.TempPathFactory) -> Result:
    """The pooled tenant ``cliprov``, provisioned once through tenantctl: the tests that read
    or act on a live tenant ask for it, so they pass in any order."""
    env = clean_env(TENANTCTL_API=engine.address, TENANTCTL_TOKEN=engine.token)
    args = [
        "provision", "cliprov", "--tier", "pooled", "--email", "ops@cliprov.example.com",
        "--domain", "cliprov.example.com", "--param", "infra_delay=3",
    ]  # fmt: skip
    return await finish(await start(*args, env=env, cwd=tmp_path_factory.mktemp("cliprov")))


async def test_provision_shows_progress_and_a_summary(cliprov: Result):
    result = cliprov
    assert result.code == 0, result.err
    assert_clean(result.err)
    lines = result.lines
    assert lines[0].startswith("started provision-tenant-cliprov (run ")
    progress = [line for line in lines if PROGRESS.match(line)]
    assert progress[0].startswith("[  5%] updating_status")
    percents = [int(line[1:4]) for line in progress]
    assert percents == sorted(percents)
    assert any("provisioning_infrastructure (infra)" in line for line in progress)
    # Pulumi's own progress: the stack, resources done/planned, the resource being changed.
    pulumi = [line for line in progress if "cliprov-infra up" in line]
    assert pulumi, "\n".join(lines)
    assert re.search(r"cliprov-infra up \d/3 resources", pulumi[-1])
    assert lines[-2] == "✔ provision-tenant-cliprov: tenant cliprov provisioned (status ACTIVE)"
    assert lines[-1] == "  app http://cliprov.localhost/ · 4 resources recorded"  # infra 3, app 1


async def test_watch_a_finished_workflow_prints_its_summary(cli: Cli, cliprov: Result):
    result = await cli("watch", "cliprov")
    assert result.code == 0, result.err
    assert result.lines[-2].startswith("✔ provision-tenant-cliprov")


async def test_list_as_table_and_json(cli: Cli, cliprov: Result):
    table = await cli("list")
    assert table.code == 0, table.err
    assert ["cliprov", "cliprov", "cliprov", "pooled", "ACTIVE", "1.0.0"] in [
        row[:6] for row in cells(table.out)
    ]

    # Other tests' tenants may be listed too, or not yet: filters are checked on what is.
    data = json.loads((await cli("list", "--status", "ACTIVE", "-o", "json")).out)
    assert "cliprov" in [t["tenant_id"] for t in data["tenants"]]
    assert {t["status"] for t in data["tenants"]} == {"ACTIVE"}
    assert data["next_page_token"] is None
    silo = json.loads((await cli("list", "--tier", "silo", "--output", "json")).out)
    assert {t["tier"] for t in silo["tenants"]} <= {"silo"}
    assert "cliprov" not in [t["tenant_id"] for t in silo["tenants"]]


async def test_stacks_lists_pulumi_stacks_with_last_update(cli: Cli, cliprov: Result):
    result = await cli("stacks", "cliprov")
    assert result.code == 0, result.err
    rows = cells(result.out)
    assert rows[0] == ["STACK", "COMPONENT", "LAST UPDATE", "RESOURCES"]
    assert [row[:2] for row in rows[1:]] == [["cliprov-app", "app"], ["cliprov-infra", "infra"]]
    for row in rows[1:]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(\d+[smhd] ago\)", row[2]), row
    # The tenant's own resources: not Pulumi's stack entry, not the provider (issue 15).
    assert [row[3] for row in rows[1:]] == ["1", "3"]
    data = json.loads((await cli("stacks", "cliprov", "-o", "json")).out)
    assert [s["name"] for s in data["stacks"]] == ["cliprov-app", "cliprov-infra"]
    assert all(s["last_update"] for s in data["stacks"])


async def test_history_shows_each_transition_with_its_workflow(cli: Cli, cliprov: Result):
    result = await cli("history", "cliprov")
    assert result.code == 0, result.err
    rows = cells(result.out)
    assert rows[0] == ["AT", "FROM", "TO", "REASON", "WORKFLOW"]
    assert [row[2] for row in rows[1:]] == ["PENDINGPROVISION", "PROVISIONING", "ACTIVE"]
    assert rows[-1][4] == "provision-tenant-cliprov"
    assert "cliprov (cliprov) is ACTIVE" in result.out
    data = json.loads((await cli("history", "cliprov", "-o", "json")).out)
    assert data["owner_workflow_id"] is None  # released when the provision ended


async def test_notify_resend_sends_the_welcome_again(cli: Cli, cliprov: Result):
    result = await cli("notify", "cliprov", "--resend")
    assert result.code == 0, result.err
    assert result.out.startswith("started notify-welcome-cliprov-resend-")

    deadline = asyncio.get_running_loop().time() + 60
    while True:
        history = json.loads((await cli("history", "cliprov", "-o", "json")).out)
        sent = [n for n in history["notices"] if n["kind"] == "welcome" and n["state"] == "sent"]
        if len(sent) == 2:  # the provision's own, and the resent one
            break
        assert asyncio.get_running_loop().time() < deadline, history["notices"]
        await asyncio.sleep(0.2)
    wrong = await cli("notify", "cliprov", "--kind", "deprovisioned")
    assert wrong.code == 4 and "ACTIVE" in wrong.err  # it is not gone


async def test_reconcile_converges_the_live_tenant(cli: Cli, cliprov: Result):
    result = await cli("reconcile", "cliprov")
    assert result.code == 0, result.err
    assert result.lines[0].startswith("started reconcile-tenant-cliprov (run ")
    assert any("reconcile-tenant-cliprov" in line and "reconciled" in line for line in result.lines)


async def test_platform_status_preview_and_up(cli: Cli, cliprov: Result):
    status = await cli("platform", "status", "-o", "json")
    assert status.code == 0, status.err
    # cliprov is pooled: its provision made the shared stack.
    assert json.loads(status.out)["exists"] is True
    preview = await cli("platform", "preview")
    assert preview.code == 0, preview.err
    assert preview.lines[0] == "platform-shared exists"
    up = await cli("platform", "up")
    assert up.code == 0, up.err
    assert "shared_path" in up.out
    wrong = await cli("platform", "destroy")
    assert wrong.code == 2 and "destroy" in wrong.err
    assert_clean(wrong.err)


async def test_provisioning_an_active_tenant_is_refused_with_exit_4(cli: Cli, cliprov: Result):
    """Provision means create: refused before a workflow starts (issue 9, item 1)."""
    result = await cli(
        "provision", "cliprov", "--tier", "pooled", "--email", "x@cliprov.example.com"
    )
    assert result.code == 4, result.err
    assert "ACTIVE" in result.err and "provision is not allowed" in result.err
    history = json.loads((await cli("history", "cliprov", "-o", "json")).out)
    assert [t["to_status"] for t in history["transitions"]][-1] == "ACTIVE"


async def test_preview_prints_the_plan_as_a_table(cli: Cli):
    result = await cli(
        "preview", "cliprev", "--tier", "silo", "--email", "a@cliprev.example.com", "--idp", "auth0"
    )
    assert result.code == 0, result.err
    rows = cells(result.out)
    assert rows[0] == ["COMPONENT", "OP", "TYPE", "NAME", "CHANGED"]
    assert sorted((r[0], r[1], r[3]) for r in rows[1:]) == sorted(
        [("idp", "create", "cliprev-idp-0"), ("app", "create", "cliprev-app-0")]
        + [("infra", "create", f"cliprev-infra-{i}") for i in range(3)]
    )
    assert result.lines[-1] == "preview-tenant-cliprev: 5 to create"
    assert "cliprev" not in (await cli("list")).out  # a dry run registers nothing


def piped(env: dict[str, str]) -> dict[str, str]:
    """``env`` as a pipe has it: no COLUMNS to size tables by."""
    return {k: v for k, v in env.items() if k != "COLUMNS"}


async def test_preview_of_a_live_tenant_shows_what_changes(
    cli: Cli, cli_env: dict[str, str], cliprov: Result
):
    """Issue 15: no --email needed; CHANGED names the properties; a pipe cuts nothing."""
    result = await cli(
        "preview", "cliprov", "--tier", "pooled", "--app-version", "2.0.0", env=piped(cli_env)
    )
    assert result.code == 0, result.err
    rows = cells(result.out)
    assert rows[0] == ["COMPONENT", "OP", "TYPE", "NAME", "CHANGED"]
    [app] = [row for row in rows[1:] if row[0] == "app"]
    assert app[:4] == ["app", "update", "pulumi-python:dynamic:Resource", "cliprov-app-0"]
    assert "content.version" in app[4].split(", ")
    assert max(len(line) for line in result.lines) > 80  # wider than rich's default


async def test_json_errors_are_json_on_stdout_with_the_same_exit_code(
    cli: Cli, cli_env: dict[str, str]
):
    bad = await cli("status", "bad id", "-o", "json")
    assert (bad.code, bad.err) == (2, "")
    assert json.loads(bad.out) == {
        "error": {
            "type": "InvalidRequest",
            "message": f"tenant_id: {bad_id_message()}",
            "exit_code": 2,
            "violations": [{"field": "tenant_id", "description": bad_id_message()}],
            "hint": None,
        }
    }
    missing = await cli("stacks", "t-nobody", "-o", "json")
    assert missing.code == 3 and missing.err == ""
    assert json.loads(missing.out)["error"]["exit_code"] == 3
    no_contact = await cli("provision", "cliprov", "--tier", "pooled", "-o", "json")
    assert no_contact.code == 2  # refused before any call
    assert json.loads(no_contact.out)["error"]["violations"] == [
        {"field": "contacts", "description": "is required"}
    ]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{sock.getsockname()[1]}"
    down = await cli("list", "-o", "json", env={**cli_env, "TENANTCTL_API": closed})
    assert down.code == 5 and down.err == ""
    error = json.loads(down.out)["error"]
    assert error["type"] == "UnavailableError" and error["exit_code"] == 5
    assert error["hint"] == f"is the API at {closed} running? `tenantctl dev` starts a local one"


def bad_id_message() -> str:
    return (
        "tenant id must be 1-64 characters of letters, digits, '_', '.', ':' or '-', "
        "starting with a letter or digit"
    )


async def test_watch_then_cancel_rolls_back(
    cli: Cli, cli_env: dict[str, str], tmp_path: Path, held_infra: dict[str, HeldProgram]
):
    args = ["clicancel", "--tier", "bridge", "--email", "a@clicancel.example.com"]
    try:
        started = await cli("provision", *args, "--param", "delay=2", "--detach", "-o", "json")
        assert started.code == 0, started.err
        assert json.loads(started.out)["workflow_id"] == "provision-tenant-clicancel"

        again = await cli("provision", *args)
        assert again.code == 4
        assert again.err.splitlines() == [
            "error: workflow provision-tenant-clicancel is already running",
            "hint: follow it with `tenantctl watch clicancel`",
        ]

        watcher = await start("watch", "clicancel", env=cli_env, cwd=tmp_path)
        assert watcher.stdout is not None
        first = await asyncio.wait_for(watcher.stdout.readline(), 60)  # printed as it happens
        assert PROGRESS.match(first.decode()), first
        # --wait follows the rollback to the end, which cannot come before the release.
        cancelling = await start("cancel", "clicancel", "--wait", env=cli_env, cwd=tmp_path)
        assert cancelling.stdout is not None
        requested = await asyncio.wait_for(cancelling.stdout.readline(), 60)
        assert requested.decode() == "cancellation of provision-tenant-clicancel requested\n"
    finally:
        held_infra["clicancel"].release()

    cancelled = await finish(cancelling)
    assert cancelled.code == 0, cancelled.err
    assert (
        "✘ provision-tenant-clicancel failed: cancelled by request [CancelledError]"
        in cancelled.lines
    )
    watched = await finish(watcher)
    assert watched.code == 1, watched.err  # the workflow did not succeed
    assert_clean(watched.err)
    summary = [line for line in watched.lines if line.startswith("✘")]
    assert summary == ["✘ provision-tenant-clicancel failed: cancelled by request [CancelledError]"]
    assert any(line.startswith("  rolled back: ") for line in watched.lines)

    status = json.loads((await cli("status", "clicancel", "-o", "json")).out)
    assert status["done"] and status["cancel_requested"]
    assert status["tenant_status"] == "PROVISIONFAILED"
    twice = await cli("cancel", "clicancel")
    assert twice.code == 4
    assert (
        twice.err.strip() == "error: workflow provision-tenant-clicancel has already ended (FAILED)"
    )


async def test_ctrl_c_stops_following_not_the_workflow(
    cli: Cli, cli_env: dict[str, str], tmp_path: Path, held_infra: dict[str, HeldProgram]
):
    args = ["provision", "cliint", "--tier", "silo", "--email", "a@cliint.example.com"]
    try:
        following = await start(*args, env=cli_env, cwd=tmp_path)
        assert following.stdout is not None
        assert (await following.stdout.readline()).startswith(b"started provision-tenant-cliint")
        assert PROGRESS.match((await asyncio.wait_for(following.stdout.readline(), 60)).decode())
        following.send_signal(signal.SIGINT)
        interrupted = await finish(following)
        assert interrupted.code == 130
        assert interrupted.err.splitlines() == [
            "stopped following; the workflow keeps running (`tenantctl watch cliint` to resume)",
            "interrupted",
        ]
        status = json.loads((await cli("status", "cliint", "--output", "json")).out)
        assert status["done"] is False
    finally:
        held_infra["cliint"].release()

    # As the message says: the workflow went on, and watch follows it again to its end.
    resumed = await cli("watch", "cliint")
    assert resumed.code == 0, resumed.err
    assert "✔ provision-tenant-cliint: tenant cliint provisioned (status ACTIVE)" in resumed.lines


VALID = ["provision", "acme", "--tier", "silo", "--email", "a@acme.example.com"]
BAD_INPUT = {
    "short key, bad tier, bad email": (
        ["provision", "ab", "--tier", "gold", "--email", "nope"],
        [
            "error: tenant_key: tenant key must be 3-32 characters, got 2",
            "error: contacts[0].email: value is not a valid email address: "
            "An email address must have an @-sign.",
            "error: subscription.tier: Input should be 'silo', 'pooled' or 'bridge'",
        ],
    ),
    "a key far too long": (  # issue 15: also blamed subscription.id, never set by the user
        ["provision", "k" * 120, "--tier", "silo", "--email", "a@b.example.com"],
        ["error: tenant_key: tenant key must be 3-32 characters, got 120"],
    ),
    "end before start": (
        [*VALID, "--start", "2025-02-01", "--end", "2025-01-01"],
        ["error: subscription.end_date: subscription end_date is before start_date"],
    ),
    "duplicate domains": (
        ["preview", *VALID[1:], "--domain", "a.example.com", "--domain", "A.example.com"],
        ["error: domains[1]: 'a.example.com' repeats domains[0]"],
    ),
    "no contact": (
        ["provision", "acme", "--tier", "silo"],
        ["error: contacts: is required"],
    ),
    "bad parameter": (
        [*VALID, "--param", "x"],
        ["error: parameters: expected KEY=VALUE, got 'x'"],
    ),
    "bad tenant id": (
        ["status", "bad id"],
        [
            "error: tenant_id: tenant id must be 1-64 characters of letters, digits, '_', '.', "
            "':' or '-', starting with a letter or digit"
        ],
    ),
    "bad kind": (
        ["watch", "acme", "--kind", "upgrade"],
        [
            "error: kind: Input should be 'provision', 'deprovision', 'deploy', 'preview' "
            "or 'reconcile'"
        ],
    ),
    "bad filter": (
        ["list", "--tier", "gold"],
        ["error: tier: Input should be 'silo', 'pooled' or 'bridge'"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
async def test_bad_input_is_one_line_per_field_and_exit_2(cli: Cli, case: str):
    args, expected = BAD_INPUT[case]
    result = await cli(*args)
    assert (result.code, result.out) == (2, "")
    assert result.err.splitlines() == expected


async def test_unknown_tenant_exits_3(cli: Cli):
    for args in (["status", "t-nobody"], ["stacks", "t-nobody"], ["cancel", "t-nobody"]):
        result = await cli(*args)
        assert result.code == 3, (args, result.err)
        assert result.err.startswith("error: no ") and "t-nobody" in result.err


async def test_api_down_exits_5(cli: Cli, cli_env: dict[str, str]):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{sock.getsockname()[1]}"
    result = await cli("status", "cliprov", env={**cli_env, "TENANTCTL_API": closed})
    assert result.code == 5
    assert result.err.splitlines()[-1] == (
        f"hint: is the API at {closed} running? `tenantctl dev` starts a local one"
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_temporal_down_behind_a_live_api_is_named_in_the_hint(
    temporal_env: WorkflowEnvironment, tmp_path: Path
):
    """Issue 15: the API answered; the hint must not say it is not running."""
    async with running_engine(
        temporal_env, tmp_path / "engine", worker=False, temporal=f"127.0.0.1:{_closed_port()}"
    ) as cut_off:
        env = clean_env(TENANTCTL_API=cut_off.address, TENANTCTL_TOKEN=cut_off.token)
        result = await finish(await start("status", "cliprov", env=env, cwd=tmp_path))
    assert result.code == 5
    assert result.err.splitlines()[-1] == (
        f"hint: the API at {cut_off.address} answered, but Temporal is unavailable: "
        "is it running? (`tenantctl dev` starts one)"
    )


async def test_registry_down_is_named_and_said_in_plain_words(
    temporal_env: WorkflowEnvironment, tmp_path: Path
):
    """Issue 15: no psycopg text in what the user reads; the hint names the registry."""
    url = f"postgresql+psycopg://tenants@127.0.0.1:{_closed_port()}/tenants"
    settings = engine_settings(temporal_address(temporal_env), tmp_path)
    settings = settings.model_copy(update={"registry": RegistrySettings(database_url=url)})
    server = ApiServer(settings)
    await server.start()
    try:
        address = f"127.0.0.1:{server.port}"
        env = clean_env(TENANTCTL_API=address, TENANTCTL_TOKEN=TOKEN)
        result = await finish(await start("list", env=env, cwd=tmp_path))
    finally:
        await server.stop(grace=1)
    assert result.code == 5, result.err
    assert result.err.splitlines() == [
        "error: the tenant registry is unavailable: its database does not answer "
        "(the API log has details)",
        f"hint: the API at {address} answered, but the tenant registry's database is "
        "unavailable: is it running?",
    ]


async def test_wrong_token_exits_2(cli: Cli, cli_env: dict[str, str]):
    result = await cli("list", env={**cli_env, "TENANTCTL_TOKEN": "wrong"})
    assert result.code == 2
    assert result.err == "error: missing or invalid bearer token (authorization metadata)\n"


async def test_direct_mode_talks_to_temporal_and_the_registry(
    cli: Cli, engine: RunningEngine, cliprov: Result
):
    env = clean_env(**engine.env())
    status = await cli("--direct", "status", "cliprov", "-o", "json", env=env)
    assert status.code == 0, status.err
    assert json.loads(status.out)["outcome"]["success"] is True
    listed = await cli("--direct", "list", "--status", "ACTIVE", "-o", "json", env=env)
    direct = [t["tenant_id"] for t in json.loads(listed.out)["tenants"]]
    assert "cliprov" in direct
    # The same registry as the API's (other tests' tenants may be in it too).
    through_api = await cli("list", "--status", "ACTIVE", "-o", "json")
    assert direct == [t["tenant_id"] for t in json.loads(through_api.out)["tenants"]]


async def test_help_documents_the_exit_codes(cli: Cli):
    result = await cli("--help")
    assert result.code == 0
    text = " ".join(result.out.split())
    for phrase in (
        "0 ok",
        "2 bad input or usage",
        "3 not found",
        "5 unavailable",
        "130 interrupted",
    ):
        assert phrase in text


async def test_tls_options_reach_an_mtls_api(temporal_env: WorkflowEnvironment, tmp_path: Path):
    pki = make_pki(tmp_path / "pki")
    async with running_engine(
        temporal_env,
        tmp_path / "engine",
        worker=False,
        tls_cert=pki.server_cert,
        tls_key=pki.server_key,
        tls_client_ca=pki.ca,
    ) as secured:
        env = clean_env(TENANTCTL_API=secured.address, TENANTCTL_TOKEN=secured.token)
        tls = ["--tls-ca", str(pki.ca), "--tls-cert", str(pki.client_cert)]
        ok = await finish(
            await start(
                *tls, "--tls-key", str(pki.client_key), "list", "-o", "json", env=env, cwd=tmp_path
            )
        )
        assert ok.code == 0, ok.err
        assert json.loads(ok.out) == {"next_page_token": None, "tenants": []}
        refused = await finish(await start("--tls-ca", str(pki.ca), "list", env=env, cwd=tmp_path))
        assert refused.code == 5
