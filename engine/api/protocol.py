"""The service's names on the wire, from the generated descriptor (no server code here)."""

from __future__ import annotations

from ._gen import tenant_engine_pb2 as pb

__all__ = ["SERVICE_NAME"]

SERVICE_NAME: str = pb.DESCRIPTOR.services_by_name["TenantService"].full_name
