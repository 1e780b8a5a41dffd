"""The service on the wire: the generated messages and stubs, and the service's name.

``_gen`` is generated (``tools/gen_proto.sh``); callers outside the package (the CLI's
gRPC client) use it through here.
"""

from __future__ import annotations

from ._gen import tenant_engine_pb2 as pb
from ._gen import tenant_engine_pb2_grpc as pb_grpc

__all__ = ["SERVICE_NAME", "pb", "pb_grpc"]

SERVICE_NAME: str = pb.DESCRIPTOR.services_by_name["TenantService"].full_name
