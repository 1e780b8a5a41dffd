"""What programs take from the settings: explicit providers and the platform stack's name.

Programs never read the environment: credentials and endpoints come from ``Settings``
through here, and every resource is created with an explicit provider, so a tenant stack
never picks up whatever ambient AWS profile the worker happens to have. Secrets are wrapped
with ``pulumi.Output.secret`` so they are encrypted in state even where the provider SDK
does not mark them (the auth0 and keycloak providers do not).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_auth0
import pulumi_aws
import pulumi_keycloak

from engine.core.errors import ConfigurationError
from engine.core.settings import Auth0Settings, AwsSettings, KeycloakSettings, Settings
from engine.pulumi import PLATFORM_STACK

__all__ = ["AWS_SERVICES", "StackContext"]

# Every AWS service a program here calls. With a custom endpoint (LocalStack), each one must
# be pointed at it, or the provider would talk to real AWS for the ones left out. Canonical
# names only: the provider warns (and will fail) when one service is set under two of its
# aliases (``logs``/``cloudwatchlogs``).
AWS_SERVICES = (
    "dynamodb",
    "iam",
    "kms",
    "lambda_",
    "logs",
    "s3",
    "secretsmanager",
    "sqs",
    "ssm",
    "sts",
)

# File and S3 backends put every stack in the ``organization`` organization.
_ORGANIZATION = "organization"


@dataclass(frozen=True)
class StackContext:
    """Settings-derived inputs shared by every program of one catalog."""

    aws: AwsSettings
    auth0: Auth0Settings
    keycloak: KeycloakSettings
    project: str

    @classmethod
    def from_settings(cls, settings: Settings) -> StackContext:
        return cls(
            aws=settings.aws,
            auth0=settings.auth0,
            keycloak=settings.keycloak,
            project=settings.pulumi.project_name,
        )

    @property
    def region(self) -> str:
        return self.aws.region

    @property
    def platform_stack_ref(self) -> str:
        """Fully qualified name of the shared platform stack, for ``pulumi.StackReference``."""
        return f"{_ORGANIZATION}/{self.project}/{PLATFORM_STACK}"

    def platform_reference(self) -> pulumi.StackReference:
        return pulumi.StackReference(self.platform_stack_ref)

    def aws_provider(self, name: str = "aws") -> pulumi_aws.Provider:
        """An explicit AWS provider; with ``endpoint_url`` set, one for LocalStack/moto."""
        settings = self.aws
        secret_key = (
            pulumi.Output.secret(settings.secret_access_key.get_secret_value())
            if settings.secret_access_key
            else None
        )
        if not settings.endpoint_url:
            return pulumi_aws.Provider(
                name,
                region=settings.region,
                access_key=settings.access_key_id,
                secret_key=secret_key,
            )
        url = settings.endpoint_url
        endpoint = pulumi_aws.ProviderEndpointArgs(**{service: url for service in AWS_SERVICES})
        return pulumi_aws.Provider(
            name,
            region=settings.region,
            # LocalStack accepts any credentials, but the provider insists on having some.
            access_key=settings.access_key_id or "test",
            secret_key=secret_key or pulumi.Output.secret("test"),
            endpoints=[endpoint],
            s3_use_path_style=True,
            skip_credentials_validation=True,
            skip_requesting_account_id=True,
            skip_metadata_api_check=True,
            skip_region_validation=True,
        )

    def _auth0_credentials(self) -> tuple[str, str, str]:
        settings = self.auth0
        if not (settings.domain and settings.client_id and settings.client_secret):
            raise ConfigurationError(
                "the auth0 IdP program needs TENANT_AUTH0__DOMAIN, TENANT_AUTH0__CLIENT_ID and "
                "TENANT_AUTH0__CLIENT_SECRET (a machine-to-machine app of the Management API)"
            )
        return settings.domain, settings.client_id, settings.client_secret.get_secret_value()

    def check_auth0(self) -> None:
        """Fail before Pulumi starts when the Auth0 settings cannot work."""
        self._auth0_credentials()

    def auth0_provider(self, name: str = "auth0") -> pulumi_auth0.Provider:
        domain, client_id, client_secret = self._auth0_credentials()
        return pulumi_auth0.Provider(
            name,
            domain=domain,
            client_id=client_id,
            client_secret=pulumi.Output.secret(client_secret),
        )

    def check_keycloak(self) -> None:
        """Fail before Pulumi starts when the Keycloak settings cannot work."""
        settings = self.keycloak
        if not settings.url:
            raise ConfigurationError("the keycloak IdP program needs TENANT_KEYCLOAK__URL")
        if not settings.client_secret and not (settings.username and settings.password):
            raise ConfigurationError(
                "the keycloak IdP program needs TENANT_KEYCLOAK__CLIENT_SECRET (client "
                "credentials) or TENANT_KEYCLOAK__USERNAME and TENANT_KEYCLOAK__PASSWORD"
            )

    def keycloak_provider(self, name: str = "keycloak") -> pulumi_keycloak.Provider:
        self.check_keycloak()
        settings = self.keycloak
        return pulumi_keycloak.Provider(
            name,
            url=settings.url,
            realm=settings.realm,
            client_id=settings.client_id,
            client_secret=(
                pulumi.Output.secret(settings.client_secret.get_secret_value())
                if settings.client_secret
                else None
            ),
            client_timeout=settings.client_timeout,
            username=settings.username,
            password=(
                pulumi.Output.secret(settings.password.get_secret_value())
                if settings.password
                else None
            ),
        )
