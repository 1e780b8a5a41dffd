"""Validation of tenant input: bad input is refused with the field named, before anything runs."""

from __future__ import annotations

from datetime import date

import pydantic
import pytest

from engine.core.errors import InvalidTenantKeyError
from engine.core.models import (
    Component,
    Contact,
    Subscription,
    TenantSpec,
    Tier,
    validate_tenant_key,
)
from engine.pulumi._naming import PLATFORM_STACK, parse_stack_name, stack_name, tenant_stack_names


@pytest.mark.parametrize("key", ["abc", "acme", "acme-corp", "a1-b2-c3", "x" * 32])
def test_valid_tenant_keys(key: str) -> None:
    assert validate_tenant_key(key) == key


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("ab", "3-32"),
        ("x" * 33, "3-32"),
        ("Acme", "lower-case"),
        ("acme_corp", "lower-case"),
        ("1acme", "start with a letter"),
        ("acme-", "hyphen"),
        ("ac--me", "hyphen"),
        ("acme.corp", "lower-case"),
        ("acmé", "lower-case"),
    ],
)
def test_invalid_tenant_keys_say_why(key: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        validate_tenant_key(key)


def _spec(**kw: object) -> TenantSpec:
    base: dict[str, object] = {
        "tenant_id": "t-1",
        "tenant_key": "acme",
        "tenant_name": "Acme",
        "tier": "silo",
    }
    base.update(kw)
    return TenantSpec.model_validate(base)


def test_spec_normalises_domains_and_finds_the_admin() -> None:
    spec = _spec(
        domains=["Acme.Example.com"],
        contacts=[
            {"email": "ops@acme.example.com"},
            {"email": "boss@acme.example.com", "is_primary": True},
        ],
    )
    assert spec.domains == ("acme.example.com",)
    assert spec.admin_contact == Contact(email="boss@acme.example.com", is_primary=True)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"tenant_key": "Bad Key"}, "tenant_key"),
        ({"tier": "gold"}, "tier"),
        ({"contacts": [{"email": "not-an-email"}]}, "contacts"),
        ({"domains": ["acme.example.com", "ACME.example.com"]}, "domains must not repeat"),
        ({"domains": ["not a domain"]}, "domains"),
        ({"tenant_id": ""}, "tenant_id"),
        ({"tenant_name": ""}, "tenant_name"),
    ],
)
def test_bad_spec_names_the_field(override: dict[str, object], field: str) -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        _spec(**override)
    assert field in str(info.value)


def test_subscription_end_before_start_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="end_date is before start_date"):
        Subscription(
            id="s",
            plan_id="p",
            tier=Tier.SILO,
            start_date=date(2026, 2, 1),
            end_date=date(2026, 1, 1),
        )


def test_stack_names_follow_the_convention() -> None:
    assert stack_name("acme", Component.INFRA) == "acme-infra"
    assert tenant_stack_names("acme") == ["acme-idp", "acme-infra", "acme-app"]
    assert parse_stack_name("acme-corp-app") == ("acme-corp", Component.APP)
    assert parse_stack_name(PLATFORM_STACK) is None
    assert parse_stack_name("acme-db") is None


def test_stack_names_never_collide() -> None:
    keys = ["acme", "acme-app", "acme-infra", "acme-idp", "app-acme", "idp", "infra"]
    names = [stack_name(k, c) for k in keys if len(k) >= 3 for c in Component]
    assert len(names) == len(set(names))
    # Every name maps back to exactly the (key, component) it was made from.
    for key in keys:
        if len(key) >= 3:
            for component in Component:
                assert parse_stack_name(stack_name(key, component)) == (key, component)


def test_stack_name_refuses_bad_keys_with_our_error() -> None:
    with pytest.raises(InvalidTenantKeyError) as info:
        stack_name("Acme", Component.APP)
    assert info.value.field == "tenant_key"
