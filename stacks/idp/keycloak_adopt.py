"""Finding what an interrupted run of the Keycloak program created (the catalog's adopter).

A worker killed after Keycloak accepted ``POST /admin/realms/<realm>/roles`` but before
Pulumi wrote the role into the checkpoint leaves the role in Keycloak and only a pending
create in the stack. Creating it again fails (``409 Conflict``); the engine instead asks
this adopter for the role's ID, looked up by the name it was created with, and records
it in the stack (``engine.pulumi._recovery``).

IDs are the provider's: a realm's is its name, a role's, client's or user's its UUID.
Types without a natural key here (role mappings, which Keycloak adds idempotently) are
not looked up: their creates are simply run again.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from engine.core.settings import KeycloakSettings
from engine.pulumi import Adopter

__all__ = ["KeycloakAdmin", "keycloak_adopter"]


class KeycloakAdmin:
    """The few admin REST calls the adopter needs, with the provider's credentials."""

    def __init__(self, settings: KeycloakSettings) -> None:
        self._settings = settings
        self._base = (settings.url or "").rstrip("/")

    def _token(self) -> str:
        s = self._settings
        form: dict[str, str] = {"client_id": s.client_id}
        if s.client_secret is not None:
            secret = s.client_secret.get_secret_value()
            form |= {"grant_type": "client_credentials", "client_secret": secret}
        else:
            password = s.password.get_secret_value() if s.password else ""
            form |= {"grant_type": "password", "username": s.username or "", "password": password}
        body = self._call(
            "POST",
            f"/realms/{s.realm}/protocol/openid-connect/token",
            urllib.parse.urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        return str(body["access_token"])

    def _call(self, method: str, path: str, data: bytes | None, headers: dict[str, str]) -> Any:
        req = urllib.request.Request(self._base + path, data=data, headers=headers, method=method)
        with urllib.request.urlopen(req, timeout=self._settings.client_timeout) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def get(self, path: str, **query: str) -> Any:
        """The JSON at ``/admin/realms/...``; None when Keycloak answers 404."""
        if query:
            path = f"{path}?{urllib.parse.urlencode(query)}"
        headers = {"Authorization": f"Bearer {self._token()}", "Accept": "application/json"}
        try:
            return self._call("GET", path, None, headers)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise


def _quote(value: Any) -> str:
    return urllib.parse.quote(str(value), safe="")


def keycloak_adopter(settings: KeycloakSettings) -> Adopter:
    """The adopter of the ``keycloak`` provider package."""
    admin = KeycloakAdmin(settings)

    def adopt(type_token: str, inputs: Mapping[str, Any]) -> str | None:
        if type_token == "keycloak:index/realm:Realm":
            realm = admin.get(f"/admin/realms/{_quote(inputs.get('realm'))}")
            return str(realm["realm"]) if realm else None
        realm_id = inputs.get("realmId")
        if not isinstance(realm_id, str) or not realm_id:
            return None
        base = f"/admin/realms/{_quote(realm_id)}"
        found: Any = None
        if type_token == "keycloak:index/role:Role" and not inputs.get("clientId"):
            found = admin.get(f"{base}/roles/{_quote(inputs.get('name'))}")
        elif type_token == "keycloak:openid/client:Client":
            matches = admin.get(f"{base}/clients", clientId=str(inputs.get("clientId")))
            found = matches[0] if matches else None
        elif type_token == "keycloak:index/user:User":
            username = str(inputs.get("username", "")).lower()
            matches = admin.get(f"{base}/users", username=username, exact="true")
            found = next((u for u in matches or [] if u.get("username") == username), None)
        return str(found["id"]) if found else None

    return adopt
