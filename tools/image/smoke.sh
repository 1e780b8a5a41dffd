#!/usr/bin/env bash
# Smoke test of the image, for real: a Temporal dev server on this host (the venv's
# `temporal`), the image's worker and API as containers beside it (`podman run --network
# host`), both health services SERVING, one tenant provisioned through the containerized
# API and worker (local catalog, SQLite registry and Pulumi file backend on a shared
# volume), then Temporal stopped and started again to show liveness and readiness apart.
# Everything it started is stopped at the end, also on failure.
#
#   tools/image/smoke.sh                    IMAGE (default localhost/tenant-engine:latest)
#
# Health service names checked (a space-separated list; "-" is the server, ""):
#   LIVENESS (default "liveness") and READINESS (default "readiness"), on the worker's
#   TENANT_WORKER__HEALTH_LISTEN and on the API's TENANT_API__LISTEN.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
image=${IMAGE:-localhost/tenant-engine:latest}
liveness=${LIVENESS:-liveness}
readiness=${READINESS:-readiness}
py=$root/.venv/bin/python
temporal=$root/.venv/bin/temporal
health() { "$py" tools/image/health.py "$@"; }
if [ -z "${CONTAINERS_CONF:-}" ]; then
  mkdir -p .cache/image
  printf '[containers]\ndefault_ulimits = []\n' >.cache/image/containers.conf
  export CONTAINERS_CONF=$root/.cache/image/containers.conf
fi

work=$(mktemp -d /tmp/tenant-engine-smoke.XXXXXX)
name=tenant-engine-smoke-$$
free_port() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
temporal_port=$(free_port)
api_port=$(free_port)
health_port=$(free_port)
temporal_pid=""

stop_temporal() {
  if [ -n "$temporal_pid" ]; then
    kill "$temporal_pid" 2>/dev/null || true
    wait "$temporal_pid" 2>/dev/null || true
    temporal_pid=""
  fi
}
cleanup() {
  status=$?
  if [ "$status" != 0 ]; then
    for c in worker api; do
      echo "--- $c log (tail)"
      podman logs --tail 30 "$name-$c" 2>&1 || true
    done
    echo "--- temporal log (tail)"
    tail -n 20 "$work/temporal.log" 2>/dev/null || true
  fi
  podman rm --force --time 10 "$name-worker" "$name-api" >/dev/null 2>&1 || true
  stop_temporal
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

start_temporal() {
  "$temporal" server start-dev --ip 127.0.0.1 --port "$temporal_port" --headless \
    --db-filename "$work/temporal.db" --log-level warn \
    --search-attribute TenantId=Keyword --search-attribute TenantTier=Keyword \
    --search-attribute TenantStatus=Keyword >>"$work/temporal.log" 2>&1 &
  temporal_pid=$!
  health "127.0.0.1:$temporal_port" temporal.api.workflowservice.v1.WorkflowService --within 60 >/dev/null
}
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", b - a }'; }

t0=$EPOCHREALTIME
start_temporal
echo "smoke: temporal dev server on 127.0.0.1:$temporal_port after $(elapsed "$t0")"

# State shared by both containers (registry, Pulumi backend, local resources), owned by
# the image's user; the passphrase comes from an env file, never from the command line.
mkdir -p "$work/state"
chown 10001:10001 "$work/state"
umask 077
printf 'TENANT_PULUMI__PASSPHRASE=%s\n' "$("$py" -c 'import secrets; print(secrets.token_urlsafe(24))')" >"$work/secrets.env"
common=(
  --network host --env-file "$work/secrets.env" -v "$work/state:/var/lib/tenant-engine"
  -e "TENANT_TEMPORAL__ADDRESS=127.0.0.1:$temporal_port"
  -e "TENANT_API__LISTEN=127.0.0.1:$api_port"
  -e "TENANT_WORKER__HEALTH_LISTEN=127.0.0.1:$health_port"
  -e TENANT_PULUMI__CATALOG=stacks.local:local_catalog
)
t1=$EPOCHREALTIME
set -x
podman run --detach --name "$name-worker" "${common[@]}" "$image" tenantctl worker
podman run --detach --name "$name-api" "${common[@]}" "$image" tenantctl api
{ set +x; } 2>/dev/null
# shellcheck disable=SC2086 # the service lists are word lists
health "127.0.0.1:$health_port" $liveness $readiness --within 90
echo "smoke: worker healthy $(elapsed "$t1") after podman run"
# shellcheck disable=SC2086
health "127.0.0.1:$api_port" $liveness $readiness --within 90
echo "smoke: API healthy $(elapsed "$t1") after podman run"

t2=$EPOCHREALTIME
set -x
podman exec "$name-api" tenantctl --api "127.0.0.1:$api_port" provision smoke --tier silo \
  --email admin@smoke.example.com --domain smoke.example.com
podman exec "$name-api" tenantctl --api "127.0.0.1:$api_port" stacks smoke
{ set +x; } 2>/dev/null
echo "smoke: tenant provisioned through the containers in $(elapsed "$t2")"

t3=$EPOCHREALTIME
stop_temporal
# shellcheck disable=SC2086
health "127.0.0.1:$health_port" $readiness --expect NOT_SERVING --within 60
# shellcheck disable=SC2086
health "127.0.0.1:$api_port" $readiness --expect NOT_SERVING --within 60
# shellcheck disable=SC2086
health "127.0.0.1:$health_port" $liveness --within 0
# shellcheck disable=SC2086
health "127.0.0.1:$api_port" $liveness --within 0
echo "smoke: Temporal stopped: worker and API not ready, still live ($(elapsed "$t3"))"
start_temporal
# shellcheck disable=SC2086
health "127.0.0.1:$health_port" $liveness $readiness --within 90
# shellcheck disable=SC2086
health "127.0.0.1:$api_port" $liveness $readiness --within 90
echo "smoke: Temporal back: worker and API ready again after $(elapsed "$t3")"
podman stop --time 30 "$name-worker" "$name-api" >/dev/null
echo "smoke: exit codes after SIGTERM: worker $(podman inspect --format '{{.State.ExitCode}}' "$name-worker"), api $(podman inspect --format '{{.State.ExitCode}}' "$name-api")"
echo "smoke: passed in $(elapsed "$t0")"
