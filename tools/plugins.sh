#!/usr/bin/env bash
# Pulumi provider plugins for the programs in stacks/, at the versions of the locked SDKs.
#
#   tools/plugins.sh             install the missing ones; exit 0 even if some stay missing
#   tools/plugins.sh --require   the same, but exit 1 if any is still missing (CI)
#   tools/plugins.sh --list      print "<name> <version>" per plugin, read from uv.lock
#
# Why: the engine never fetches plugins at run time (PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION),
# and an SDK asks for the plugin of exactly its own version, so each provider SDK pinned in
# uv.lock needs its plugin installed beforehand, at that version.
#
# Sources, first that has the plugin:
#   1. PULUMI_PLUGIN_DIR, a directory of archives named
#      pulumi-resource-<name>-v<version>-<os>-<arch>.tar.gz (relative: to the repository root);
#   2. the network: `pulumi plugin install resource <name> <version>`, only when a short probe
#      reaches the download host, and time-boxed (PLUGIN_INSTALL_TIMEOUT seconds, default 600);
#   3. neither: say which plugins are missing and how to add them. That is not an error (unless
#      --require): the local catalog and the test suite run without plugins; tests/integration
#      skips and says why.
#
# Target: the Pulumi home that the CLI, the engine (TENANT_PULUMI__HOME unset) and
# tests/integration all default to: $PULUMI_HOME, else ~/.pulumi. A worker with its own
# TENANT_PULUMI__HOME needs `PULUMI_HOME=<that> tools/plugins.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# The provider SDKs stacks/ uses; the plugin of `pulumi-<name>` is `<name>`.
# tests/unit/test_tooling.py checks that every pulumi-* dependency is listed here.
plugins=(aws auth0 keycloak)

mode=${1:-install}
case "$mode" in install | --require | --list) ;; *)
  echo "usage: tools/plugins.sh [--require | --list]" >&2
  exit 2
  ;;
esac

# tomllib needs Python 3.11, which the venv has; before setup, fall back to python3.
python=$root/.venv/bin/python
[ -x "$python" ] || python=python3

# "<name> <version>" per plugin, from uv.lock (the lock, not the venv: it is what CI and the
# image install, and it can be read before the venv exists).
wanted=$("$python" - uv.lock "${plugins[@]}" <<'EOF'
import sys, tomllib

lock, names = sys.argv[1], sys.argv[2:]
with open(lock, "rb") as f:
    locked = {p["name"]: p["version"] for p in tomllib.load(f)["package"]}
for name in names:
    if f"pulumi-{name}" not in locked:
        sys.exit(f"plugins: pulumi-{name} is not in {lock}; update the list in tools/plugins.sh")
    print(name, locked[f"pulumi-{name}"])
EOF
)
if [ "$mode" = --list ]; then
  echo "$wanted"
  exit 0
fi

pulumi=$root/.venv/bin/pulumi
[ -x "$pulumi" ] || { echo "plugins: $pulumi missing; run make setup" >&2; exit 1; }
# No update check: it would go to the network on every call.
export PULUMI_SKIP_UPDATE_CHECK=true
home=${PULUMI_HOME:-$HOME/.pulumi}

# Ask the CLI what it has (a directory alone can be a half-finished install).
installed() {
  "$pulumi" plugin ls --json | "$python" -c '
import json, sys
for p in json.load(sys.stdin) or []:
    if p["kind"] == "resource":
        print(p["name"], p["version"])'
}
have=$(installed)
missing=()
while read -r name version; do
  grep -qxF "$name $version" <<<"$have" || missing+=("$name $version")
done <<<"$wanted"
[ ${#missing[@]} -eq 0 ] && exit 0  # the usual re-run: nothing to do

# 1. Archives from a directory (our machines: no registry ships plugins; see
#    ../shared/providers/README.md).
archive_dir=${PULUMI_PLUGIN_DIR:-}
if [ -n "$archive_dir" ]; then
  [ -d "$archive_dir" ] || { echo "plugins: PULUMI_PLUGIN_DIR=$archive_dir is not a directory" >&2; exit 1; }
  archive_dir=$(cd "$archive_dir" && pwd)
fi
os=$(uname -s | tr '[:upper:]' '[:lower:]')
case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac

# 2. The network, probed once and only if needed: here DNS fails in milliseconds, where
#    `pulumi plugin install` itself would retry for seconds per plugin on every setup run.
network=unknown
network_ok() {
  if [ "$network" = unknown ]; then
    network=no
    if ! command -v curl >/dev/null; then
      network=yes  # cannot probe: let the time-boxed install find out
    elif curl -sS -o /dev/null --connect-timeout 5 --max-time 10 https://get.pulumi.com/ 2>/dev/null; then
      network=yes
    fi
  fi
  [ "$network" = yes ]
}

tried=no
for entry in "${missing[@]}"; do
  read -r name version <<<"$entry"
  archive=$archive_dir/pulumi-resource-$name-v$version-$os-$arch.tar.gz
  if [ -n "$archive_dir" ] && [ -f "$archive" ]; then
    echo "plugins: installing $name $version from $archive"
    tried=yes
    # An archive we were pointed at must install: a failure here is an error.
    "$pulumi" plugin install resource "$name" "v$version" --file "$archive"
  elif network_ok; then
    echo "plugins: downloading $name $version"
    tried=yes
    # A failed download is reported below like any missing plugin.
    timeout "${PLUGIN_INSTALL_TIMEOUT:-600}" "$pulumi" plugin install resource "$name" "$version" || true
  fi
done

# Trust the CLI's view, not the exit codes, for what is there now (asked again only if
# something was tried: a re-run here, where aws and auth0 stay missing, stays quick).
report=("${missing[@]}")
if [ "$tried" = yes ]; then
  have=$(installed)
  report=()
  for entry in "${missing[@]}"; do
    grep -qxF "$entry" <<<"$have" || report+=("$entry")
  done
fi
[ ${#report[@]} -eq 0 ] && exit 0

list=$(printf '%s, ' "${report[@]}")
{
  echo "plugins: not installed in $home/plugins: ${list%, }"
  echo "  (not needed by the local catalog or the test suite; the AWS/Auth0/Keycloak programs need them)"
  echo "  add them with PULUMI_PLUGIN_DIR=<dir of pulumi-resource-<name>-v<version>-$os-$arch.tar.gz> make setup"
  echo "  or, with internet access: .venv/bin/pulumi plugin install resource <name> <version>"
} >&2
[ "$mode" = --require ] && exit 1
exit 0
