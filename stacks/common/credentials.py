"""Initial secrets (passwords, signing keys) generated inside a program.

A value made here differs on every run, so the resource that receives it must list that
property in ``ignore_changes``: the value is used once, on create, and never rotated by a
later ``up``. It is wrapped as a Pulumi secret so state holds it encrypted. (The
``pulumi-random`` provider would keep it in state instead, at the cost of one more plugin
to install on every worker.)
"""

from __future__ import annotations

import secrets

import pulumi

__all__ = ["initial_secret"]


def initial_secret(nbytes: int = 24) -> pulumi.Output[str]:
    """A random URL-safe string of ``nbytes`` bytes of entropy, as a Pulumi secret."""
    # Prefix guarantees the character classes common password policies ask for.
    return pulumi.Output.secret("Aa1-" + secrets.token_urlsafe(nbytes))
