"""Wait until a grpc.health.v1 server reports every given service SERVING.

    .venv/bin/python tools/image/health.py 127.0.0.1:50052 liveness readiness --within 60
    .venv/bin/python tools/image/health.py 127.0.0.1:50052 readiness --expect NOT_SERVING

Prints each status change with the seconds since start; exit code 0 once every service
reports the expected status (SERVING unless --expect says otherwise), 1 at the deadline.
A service named "-" is the server as a whole (""). What a Kubernetes ``grpc:`` probe asks,
from the outside of the container.
"""

from __future__ import annotations

import argparse
import sys
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def status(stub: health_pb2_grpc.HealthStub, service: str) -> str:
    try:
        reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=2)
    except grpc.RpcError as exc:
        return exc.code().name
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("address")
    parser.add_argument("services", nargs="+", help='service names ("-" for the server, "")')
    parser.add_argument("--expect", default="SERVING", help="status to wait for (SERVING)")
    parser.add_argument("--within", type=float, default=60.0, help="seconds (default 60)")
    args = parser.parse_args()
    start = time.monotonic()
    last: dict[str, str] = {}
    with grpc.insecure_channel(args.address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            services = ["" if s == "-" else s for s in args.services]
            now = {service: status(stub, service) for service in services}
            if now != last:
                shown = ", ".join(f"{s or '<server>'}={v}" for s, v in now.items())
                print(f"health {args.address} +{time.monotonic() - start:.1f}s: {shown}")
                last = now
            if all(value == args.expect for value in now.values()):
                return 0
            if time.monotonic() - start > args.within:
                print(
                    f"health {args.address}: not {args.expect} after {args.within:.0f}s",
                    file=sys.stderr,
                )
                return 1
            time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
