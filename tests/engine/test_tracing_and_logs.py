"""Log format (text or JSON lines, secrets masked) and the Pulumi command span's name; the
API as a process with ``--log-format json``."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import SecretStr

from engine.core.settings import ApiSettings, PulumiSettings, Settings
from engine.pulumi._command import command_name
from engine.serving import run_service
from engine.telemetry import (
    JsonFormatter,
    SecretMask,
    install_tracer_provider,
    new_provider,
    secret_values,
    span,
)

REPO = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-passphrase-value"


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    install_tracer_provider(new_provider("tenant-engine", "test", SimpleSpanProcessor(spans)))
    try:
        yield spans
    finally:
        install_tracer_provider(None)


def _logger(formatter: logging.Formatter, secrets: list[str]) -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    handler.addFilter(SecretMask(secrets))
    logger = logging.getLogger(f"test.logs.{id(out)}")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger, out


def test_secret_values_are_every_secret_of_the_settings() -> None:
    settings = Settings(
        _env_file=None,
        pulumi=PulumiSettings(passphrase=SecretStr(SECRET)),
        api=ApiSettings(token=SecretStr("api-token-123")),
    )
    assert secret_values(settings) == [SECRET, "api-token-123"]
    assert SECRET not in repr(settings)


def test_json_lines_carry_the_fields_the_trace_and_no_secret(
    exporter: InMemorySpanExporter,
) -> None:
    logger, out = _logger(JsonFormatter(), [SECRET])
    with span("outer") as current:
        logger.info("connecting with %s", SECRET, extra={"component": "infra"})
    try:
        raise RuntimeError(f"bad passphrase {SECRET}")
    except RuntimeError:
        logger.exception("failed")

    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["message"] == "connecting with ***"
    assert first["level"] == "INFO" and first["logger"].startswith("test.logs")
    assert first["component"] == "infra"
    assert first["trace_id"] == format(current.get_span_context().trace_id, "032x")
    assert "RuntimeError: bad passphrase ***" in second["exception"]
    assert SECRET not in out.getvalue()
    assert [s.name for s in exporter.get_finished_spans()] == ["outer"]


def test_text_lines_are_masked_too() -> None:
    logger, out = _logger(logging.Formatter("%(levelname)s %(message)s"), [SECRET])
    logger.warning("token=%s", SECRET)
    assert out.getvalue() == "WARNING token=***\n"


def test_a_span_is_a_no_op_while_tracing_is_off() -> None:
    with span("nothing") as current:
        assert not current.is_recording()


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["up", "--yes", "--stack", "tenant-acme-infra"], "up"),
        (["--non-interactive", "stack", "select", "--stack", "org/p/acme"], "stack select"),
        (["config", "set", "--secret", "--path", "password", SECRET], "config set"),
        (["config", "set-all", "--plaintext", f"key={SECRET}"], "config set-all"),
        (["stack", "--stack", "acme"], "stack"),
        (["destroy", "--", "extra"], "destroy"),
        ([], "unknown"),
    ],
)
def test_pulumi_command_spans_are_named_without_arguments(args: list[str], name: str) -> None:
    assert command_name(args) == name


def test_the_api_process_logs_json_lines_without_its_token(tmp_path: Path) -> None:
    token = "api-token-not-in-logs-123"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TENANT_", "PULUMI_"))},
        "TENANT_API__LISTEN": "127.0.0.1:0",
        "TENANT_API__TOKEN": token,
        "TENANT_TEMPORAL__ADDRESS": "127.0.0.1:1",  # nothing there: not ready, still live
        "TENANT_REGISTRY__DATABASE_URL": f"sqlite:///{tmp_path / 'registry.db'}",
    }
    log = tmp_path / "api.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "engine.api", "--log-format", "json"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "not ready" not in log.read_text():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert any(e["message"].startswith("API on 127.0.0.1:") for e in entries), entries
    assert token not in log.read_text()


def test_bad_settings_are_one_json_line_and_exit_code_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TENANT_WORKER__MAX_CONCURRENT_PULUMI", "zero")
    monkeypatch.chdir(REPO / "tests")  # no .env here
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        with pytest.raises(SystemExit) as exited:
            run_service(_never_called, ["--log-format", "json"], prog="test")
    finally:  # run_service took over the root logger; give it back to pytest
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.captureWarnings(False)
    assert exited.value.code == 2
    [entry] = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert entry["level"] == "ERROR" and "invalid settings" in entry["message"]


async def _never_called(settings: Settings, stop: asyncio.Event) -> None:
    raise AssertionError("settings were invalid")
