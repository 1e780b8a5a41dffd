"""The one error model: every engine error maps to Temporal, gRPC and an exit code by class."""

from __future__ import annotations

import grpc
import pytest

from engine.api.status import from_rpc_error, grpc_code, to_grpc_status
from engine.cli.exit_codes import ExitCode, exit_code_for
from engine.core import errors
from engine.core.errors import EngineError
from engine.temporal import to_application_error


def _all_subclasses(cls: type[EngineError]) -> list[type[EngineError]]:
    found: list[type[EngineError]] = []
    for sub in cls.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


def _instance(cls: type[EngineError]) -> EngineError:
    """One instance of each class, with the arguments its constructor wants."""
    special: dict[type[EngineError], EngineError] = {
        errors.InvalidRequest: errors.InvalidRequest([errors.FieldViolation("f", "bad")]),
        errors.TenantNotFoundError: errors.TenantNotFoundError("acme"),
        errors.AlreadyRunningError: errors.AlreadyRunningError("provision-tenant-acme", "r1"),
        errors.InvalidStatusTransitionError: errors.InvalidStatusTransitionError(
            "acme", "ACTIVE", "PENDINGPROVISION"
        ),
        errors.TenantBusyError: errors.TenantBusyError("acme", "deploy-tenant-acme", "deploy"),
        errors.TenantStateError: errors.TenantStateError("acme", "ACTIVE", "provision"),
    }
    if cls in special:
        return special[cls]
    if issubclass(cls, errors.StackError):
        return cls("boom", stack="acme-infra")
    return cls("boom")


PRODUCT_ERRORS = [cls for cls in _all_subclasses(EngineError) if cls.__module__ == errors.__name__]


def test_every_error_of_the_tree_is_in_the_module_docstring() -> None:
    doc = errors.__doc__ or ""
    missing = [cls.__name__ for cls in PRODUCT_ERRORS if cls.__name__ not in doc]
    assert not missing


@pytest.mark.parametrize("cls", PRODUCT_ERRORS, ids=lambda c: c.__name__)
def test_temporal_retryability_comes_from_the_class(cls: type[EngineError]) -> None:
    exc = _instance(cls)
    failure = to_application_error(exc)
    assert failure.type == cls.__name__
    assert failure.non_retryable is (not cls.retryable)


@pytest.mark.parametrize("cls", PRODUCT_ERRORS, ids=lambda c: c.__name__)
def test_every_branch_below_the_root_has_a_grpc_status_and_an_exit_code(
    cls: type[EngineError],
) -> None:
    exc = _instance(cls)
    code = grpc_code(exc)
    if issubclass(cls, errors.StackError | errors.NotificationError) and not issubclass(
        cls, errors.ConcurrentUpdateError
    ):
        # Failures of an operation, reported inside results; an API never raises them.
        return
    assert code is not grpc.StatusCode.INTERNAL, cls
    assert exit_code_for(exc) is not ExitCode.FAILED, cls


class _Rpc(grpc.RpcError):
    """A failed call as the client sees it, built from the server's status."""

    def __init__(self, status: grpc.Status) -> None:
        self._status = status

    def code(self) -> grpc.StatusCode:
        return self._status.code

    def details(self) -> str:
        return self._status.details

    def trailing_metadata(self) -> tuple[tuple[str, bytes], ...]:
        return tuple(self._status.trailing_metadata)


@pytest.mark.parametrize(
    ("exc", "exit_code"),
    [
        (errors.InvalidRequest([errors.FieldViolation("contacts[0].email", "bad")]), 2),
        (errors.ValidationError("too long", field="tenant_key"), 2),
        (errors.TenantNotFoundError("acme"), 3),
        (errors.AlreadyRunningError("deploy-tenant-acme", "r1"), 4),
        (errors.TenantConflictError("key taken"), 4),
        (errors.TenantBusyError("t-1", "deprovision-tenant-t-1", "deprovision"), 4),
        (errors.TenantStateError("t-1", "ACTIVE", "provision"), 4),
        (errors.PreconditionError("already ended"), 4),
        (errors.RegistryUnavailableError("registry down"), 5),
        (errors.UnauthenticatedError("no token"), 2),
        (errors.PermissionDeniedError("denied"), 2),
    ],
)
def test_an_error_survives_the_wire_with_its_exit_code(exc: EngineError, exit_code: int) -> None:
    back = from_rpc_error(_Rpc(to_grpc_status(exc)))
    assert isinstance(back, EngineError)
    assert exit_code_for(back) == exit_code
    if isinstance(exc, errors.AlreadyRunningError):
        assert isinstance(back, errors.AlreadyRunningError)
        assert back.workflow_id == exc.workflow_id
    if isinstance(exc, errors.ValidationError):
        assert isinstance(back, errors.InvalidRequest)
        assert back.violations[0].field == (exc.field or "")


def test_a_busy_tenant_is_already_exists_and_a_wrong_status_failed_precondition() -> None:
    busy = errors.TenantBusyError("t-1", "deprovision-tenant-t-1", "deprovision")
    state = errors.TenantStateError("t-1", "ACTIVE", "provision")
    assert grpc_code(busy) is grpc.StatusCode.ALREADY_EXISTS
    assert grpc_code(state) is grpc.StatusCode.FAILED_PRECONDITION
    assert "deprovision-tenant-t-1" in str(busy)  # says which workflow holds the tenant
