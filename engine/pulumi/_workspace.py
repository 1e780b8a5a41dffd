"""Where and how the Pulumi CLI runs for one stack: work directory, environment, options.

Each stack gets its own work directory (``<state_dir>/workspaces/<stack>``) holding the
project file (``ProjectSettings``, written whole) and the stack's settings file
(``Pulumi.<stack>.yaml``: secrets provider and its encrypted key or salt), so concurrent
operations on different stacks never write the same file, and a later select finds the
provider the stack was made with.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import yaml  # type: ignore[import-untyped]
from pulumi.automation import LocalWorkspaceOptions, ProjectSettings

from engine.core.errors import ConfigurationError
from engine.core.settings import Settings

from ._command import CancelToken, EngineCommand, find_pulumi

__all__ = ["WorkspaceFactory"]

_PROJECT_FILE = "Pulumi.yaml"


class WorkspaceFactory:
    """Builds ``LocalWorkspaceOptions`` for a stack from the settings, once per engine."""

    def __init__(self, settings: Settings, command: EngineCommand | None = None) -> None:
        pulumi = settings.pulumi
        self.project = pulumi.project_name
        self.state_dir = pulumi.state_dir.resolve()
        self.backend_url = pulumi.resolved_backend_url
        self.secrets_provider = pulumi.secrets_provider
        self.home = str(pulumi.home.resolve()) if pulumi.home else None
        self.command = command or EngineCommand(find_pulumi(pulumi.cli_dir))
        self.env = self._environment(settings)
        if self.backend_url.startswith("file://"):
            # The file backend refuses a directory that does not exist.
            Path(self.backend_url.removeprefix("file://")).mkdir(parents=True, exist_ok=True)

    def _environment(self, settings: Settings) -> dict[str, str]:
        pulumi, aws = settings.pulumi, settings.aws
        env = {
            "PULUMI_BACKEND_URL": self.backend_url,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            # Plugins are installed by setup, never fetched in the middle of an operation.
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            # The dynamic-provider host must run this interpreter, with this environment.
            "PULUMI_PYTHON_CMD": sys.executable,
            "AWS_REGION": aws.region,
            "AWS_DEFAULT_REGION": aws.region,
        }
        if pulumi.secrets_provider == "passphrase":
            if pulumi.passphrase is None:
                raise ConfigurationError(
                    "TENANT_PULUMI__PASSPHRASE is required with the passphrase secrets provider"
                )
            env["PULUMI_CONFIG_PASSPHRASE"] = pulumi.passphrase.get_secret_value()
        elif "://" not in pulumi.secrets_provider:
            raise ConfigurationError(
                f"unknown secrets provider {pulumi.secrets_provider!r}: use 'passphrase' or a "
                "provider URL such as awskms://alias/tenants?region=us-east-1"
            )
        if aws.endpoint_url:
            # Read by the AWS SDK inside the CLI (S3 state backend, awskms:// secrets).
            env["AWS_ENDPOINT_URL"] = aws.endpoint_url
        if aws.access_key_id:
            env["AWS_ACCESS_KEY_ID"] = aws.access_key_id
        if aws.secret_access_key:
            env["AWS_SECRET_ACCESS_KEY"] = aws.secret_access_key.get_secret_value()
        return env

    def work_dir(self, stack: str) -> Path:
        """The stack's work directory, holding the project file ``ProjectSettings`` make.

        Written here, whole, with a rename: the SDK's own ``save_project_settings`` empties
        the file before writing it, under the CLI of any other operation reading it (the
        stack list's shared directory, ``outputs`` beside an ``up``).
        """
        path = self.state_dir / "workspaces" / stack
        project_file = path / _PROJECT_FILE
        content = yaml.safe_dump(ProjectSettings(name=self.project, runtime="python").to_dict())
        try:
            if project_file.read_text() == content:
                return path
        except OSError:
            path.mkdir(parents=True, exist_ok=True)
        tmp = path / f".{_PROJECT_FILE}.{uuid.uuid4().hex}"
        tmp.write_text(content)
        tmp.replace(project_file)
        return path

    def options(self, stack: str, token: CancelToken | None = None) -> LocalWorkspaceOptions:
        return LocalWorkspaceOptions(
            work_dir=str(self.work_dir(stack)),
            pulumi_home=self.home,
            env_vars=dict(self.env),
            secrets_provider=self.secrets_provider,
            pulumi_command=self.command.for_operation(token),
        )
