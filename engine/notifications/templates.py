"""Email templates (``string.Template``) and their rendering.

Kept as Python constants rather than data files so they ship in every wheel without
package-data configuration. Every value is HTML-escaped in the HTML body, and the
subject is kept to one line (a newline there would start a new mail header).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from string import Template
from typing import NamedTuple

from engine.core.errors import ValidationError
from engine.core.models import Contact

from .models import NotificationContext, NotificationKind, OutgoingEmail, TenantLike

__all__ = ["recipients_of", "render"]


class _Templates(NamedTuple):
    subject: Template
    text: Template
    html: Template


_HTML_PAGE = """<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>Hello${greeting_html},</p>
$body
</body></html>
"""

_TEMPLATES: dict[NotificationKind, _Templates] = {
    NotificationKind.WELCOME: _Templates(
        Template("$tenant_name is ready"),
        Template(
            "Hello$greeting,\n\n"
            "Your tenant $tenant_name is ready. Sign in at:\n\n"
            "    $app_url\n\n"
            "Sign in with this email address.\n"
        ),
        Template(
            "<p>Your tenant <strong>$tenant_name</strong> is ready.</p>\n"
            '<p><a href="$app_url">Sign in to $tenant_name</a></p>\n'
            "<p>Sign in with this email address.</p>"
        ),
    ),
    NotificationKind.PROVISIONING_FAILED: _Templates(
        Template("Setting up $tenant_name failed"),
        Template(
            "Hello$greeting,\n\n"
            "We could not set up your tenant $tenant_name. The error was:\n\n"
            "    $error\n\n"
            "Please contact support and quote the reference $tenant_id.\n"
        ),
        Template(
            "<p>We could not set up your tenant <strong>$tenant_name</strong>. "
            "The error was:</p>\n<pre>$error</pre>\n"
            "<p>Please contact support and quote the reference <code>$tenant_id</code>.</p>"
        ),
    ),
    NotificationKind.DEPROVISIONED: _Templates(
        Template("$tenant_name has been removed"),
        Template(
            "Hello$greeting,\n\n"
            "Your tenant $tenant_name has been deprovisioned: its application and "
            "resources have been removed.\n\n"
            "Reference: $tenant_id\n"
        ),
        Template(
            "<p>Your tenant <strong>$tenant_name</strong> has been deprovisioned: its "
            "application and resources have been removed.</p>\n"
            "<p>Reference: <code>$tenant_id</code></p>"
        ),
    ),
}


def recipients_of(contacts: Sequence[Contact]) -> tuple[str, ...]:
    """Contact addresses without repeats (case-insensitive), primary contact first."""
    ordered = sorted(contacts, key=lambda c: not c.is_primary)
    seen: set[str] = set()
    result: list[str] = []
    for contact in ordered:
        if contact.email.lower() not in seen:
            seen.add(contact.email.lower())
            result.append(contact.email)
    return tuple(result)


def render(
    kind: NotificationKind, tenant: TenantLike, context: NotificationContext
) -> OutgoingEmail:
    """Render one notice for all of the tenant's contacts.

    Raises ``ValidationError`` when the context lacks what the kind needs (a welcome
    without ``app_url``): a permanent error, better refused before anything is reserved.
    """
    if kind is NotificationKind.WELCOME and not context.app_url:
        raise ValidationError("a welcome email needs the application URL", field="app_url")
    named = [c.first_name for c in tenant.contacts if c.first_name]
    greeting = f" {named[0]}" if len(tenant.contacts) == 1 and named else ""
    values = {
        "tenant_id": tenant.tenant_id,
        "tenant_key": tenant.tenant_key,
        "tenant_name": tenant.tenant_name,
        "app_url": context.app_url or "",
        "error": context.error or "unknown error",
        "greeting": greeting,
    }
    escaped = {name: html.escape(value, quote=True) for name, value in values.items()}
    templates = _TEMPLATES[kind]
    body = templates.html.substitute(escaped)
    return OutgoingEmail(
        to=recipients_of(tenant.contacts),
        subject=" ".join(templates.subject.substitute(values).split()),
        text=templates.text.substitute(values),
        html=Template(_HTML_PAGE).substitute(greeting_html=escaped["greeting"], body=body),
    )
