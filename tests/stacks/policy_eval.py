"""A tiny IAM policy evaluator: enough of AWS's rules to check our isolation policies.

Supports Allow/Deny, Action/NotAction, Resource/NotResource with ``*``/``?`` wildcards,
and the condition operators our policies use: StringEquals, StringNotEquals, StringLike,
StringNotLike, Bool and Null, each optionally under ``ForAllValues:``/``ForAnyValue:``.
An explicit Deny wins over any Allow; no matching Allow is an implicit deny.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

Decision = Literal["Allow", "Deny", "ImplicitDeny"]


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=1024)
def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(f"^{body}$", re.IGNORECASE if ignore_case else 0)


def like(glob: str, value: str, ignore_case: bool = False) -> bool:
    return bool(_pattern(glob, ignore_case).match(value))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches_any(patterns: Any, value: str, ignore_case: bool = False) -> bool:
    return any(like(p, value, ignore_case) for p in _as_list(patterns))


def _single(op: str, wanted: list[str], actual: str) -> bool:
    if op == "StringEquals":
        return actual in wanted
    if op == "StringNotEquals":
        return actual not in wanted
    if op == "StringLike":
        return any(like(w, actual) for w in wanted)
    if op == "StringNotLike":
        return not any(like(w, actual) for w in wanted)
    if op == "Bool":
        return actual.lower() in [w.lower() for w in wanted]
    raise NotImplementedError(op)


def _condition(operator: str, key: str, wanted: Any, context: Mapping[str, Any]) -> bool:
    wanted = [str(w) for w in _as_list(wanted)]
    present = key in context and context[key] not in (None, [])
    if operator == "Null":
        return bool((not present) == (wanted[0].lower() == "true"))
    qualifier, _, op = operator.rpartition(":")
    if qualifier == "ForAllValues":
        return all(_single(op, wanted, v) for v in _as_list(context.get(key) or []))
    if qualifier == "ForAnyValue":
        return any(_single(op, wanted, v) for v in _as_list(context.get(key) or []))
    if qualifier:
        raise NotImplementedError(operator)
    if not present:
        # AWS: a negated operator matches when the key is absent; a positive one does not.
        return op.startswith("StringNot")
    actual = context[key]
    if isinstance(actual, list):
        raise ValueError(f"{key} is multi-valued: use ForAllValues/ForAnyValue in the policy")
    return _single(op, wanted, actual)


def _statement_applies(statement: dict[str, Any], request: Request) -> bool:
    if "Action" in statement:
        action_ok = _matches_any(statement["Action"], request.action, ignore_case=True)
    else:
        action_ok = not _matches_any(statement["NotAction"], request.action, ignore_case=True)
    if "Resource" in statement:
        resource_ok = _matches_any(statement["Resource"], request.resource)
    else:
        resource_ok = not _matches_any(statement.get("NotResource", []), request.resource)
    if not (action_ok and resource_ok):
        return False
    for operator, clauses in statement.get("Condition", {}).items():
        for key, wanted in clauses.items():
            if not _condition(operator, key, wanted, request.context):
                return False
    return True


def evaluate(policy: dict[str, Any], request: Request) -> Decision:
    statements = _as_list(policy["Statement"])
    matching = [s for s in statements if _statement_applies(s, request)]
    if any(s["Effect"] == "Deny" for s in matching):
        return "Deny"
    if any(s["Effect"] == "Allow" for s in matching):
        return "Allow"
    return "ImplicitDeny"


def allowed(policy: dict[str, Any], request: Request) -> bool:
    return evaluate(policy, request) == "Allow"
