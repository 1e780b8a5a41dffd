#!/usr/bin/env bash
# Build the engine's image from the Dockerfile (`make image`), reusing what `make setup` made.
#
#   tools/image/build.sh
#   BASE=debootstrap tools/image/build.sh        base made from Debian's packages (base.sh)
#
# Environment:
#   BASE     the base image: default docker.io/library/python:3.11-slim-bookworm; any bookworm
#            image with python3.11; "debootstrap" builds one with tools/image/base.sh
#            (for machines that reach Debian's mirror but no container registry)
#   IMAGE    the tag to build, default localhost/tenant-engine:latest
#   BUILDER  buildah, podman or docker (default: the first one found, in that order)
#   BUILD_CA_FILE  CA bundle for the build's downloads (PyPI) behind a TLS-inspecting proxy,
#            such as ours; default $SSL_CERT_FILE when set. Bind-mounted for those steps
#            only: it never becomes part of the image.
#   PULUMI_PLUGIN_DIR  provider plugin archives to install in the image (default
#            ../shared/providers when it exists, as .ci/run does); never copied into the
#            repository, only into the build context under .cache/image (git-ignored)
#
# The build context is made under .cache/image/context from the tracked (and new, not
# ignored) files the image needs, the Pulumi CLI and uv that setup left under .tools/, and
# the plugin archives: no virtualenv, no .state, no caches from the working tree get in.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
start=$(date +%s)

base=${BASE:-docker.io/library/python:3.11-slim-bookworm}
image=${IMAGE:-localhost/tenant-engine:latest}
cache=$root/.cache/image
ctx=$cache/context

builder=${BUILDER:-}
if [ -z "$builder" ]; then
  for b in buildah podman docker; do
    if command -v "$b" >/dev/null; then builder=$b; break; fi
  done
fi
[ -n "$builder" ] || { echo "image: no buildah, podman or docker (apt-get install buildah)" >&2; exit 1; }

# What setup made: the pinned Pulumi CLI (built or linked) and the pinned uv.
pulumi_version=$(awk '{for (i = 1; i < NF; i++) if ($i == "github.com/pulumi/pulumi/pkg/v3") print $(i + 1)}' tools/pulumi-cli/go.mod | sed 's/^v//')
uv_version=$(sed -n 's/^uv_version=//p' tools/setup.sh)
pulumi_bin=.tools/pulumi/$pulumi_version/bin
uv_bin=.tools/uv/$uv_version/bin/uv
for f in "$pulumi_bin/pulumi" "$uv_bin"; do
  [ -x "$f" ] || { echo "image: $f missing; run make setup first" >&2; exit 1; }
done

plugin_dir=${PULUMI_PLUGIN_DIR:-}
if [ -z "$plugin_dir" ] && [ -d ../shared/providers ]; then plugin_dir=../shared/providers; fi

# The build context.
rm -rf "$ctx"
mkdir -p "$ctx/src" "$ctx/pulumi" "$ctx/plugins"
git ls-files -z --cached --others --exclude-standard -- \
  engine stacks workflows activities Pulumi.yaml tools/plugins.sh |
  while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
  tar --null -T - -cf - | tar -C "$ctx/src" -xf -
cp pyproject.toml uv.lock README.md "$ctx/"
ca_file=${BUILD_CA_FILE:-${SSL_CERT_FILE:-}}
if [ -n "$ca_file" ]; then cp -L "$ca_file" "$ctx/build-ca.pem"; else : >"$ctx/build-ca.pem"; fi
cp -L "$pulumi_bin"/* "$ctx/pulumi/"
cp -L "$uv_bin" "$ctx/uv"
if [ -n "$plugin_dir" ]; then
  cp -L "$plugin_dir"/pulumi-resource-*.tar.gz "$ctx/plugins/" 2>/dev/null || true
fi
plugins=$(find "$ctx/plugins" -name "*.tar.gz" -printf "%f ")
echo "image: context $(du -sh "$ctx" | cut -f1) (pulumi v$pulumi_version, uv $uv_version, plugins: ${plugins:-none})"

if [ "$base" = debootstrap ]; then
  base=localhost/tenant-engine-base:bookworm
  tools/image/base.sh "$base"
fi

case "$builder" in
  buildah | podman)
    # Containers here refuse the default ulimits (see /work/shared/DESIGN.md, containers);
    # an empty list keeps the builder's own, which changes nothing elsewhere.
    if [ -z "${CONTAINERS_CONF:-}" ]; then
      printf '[containers]\ndefault_ulimits = []\n' >"$cache/containers.conf"
      export CONTAINERS_CONF=$cache/containers.conf
    fi
    pull=missing
    case "$base" in localhost/*) pull=never ;; esac
    cmd=("$builder" build --layers --pull="$pull" --network host)
    ;;
  docker) cmd=(docker build --network host) ;;
  *) echo "image: unknown BUILDER=$builder" >&2; exit 1 ;;
esac
cmd+=(--build-arg "BASE=$base" -f Dockerfile -t "$image" "$ctx")
echo "image: ${cmd[*]}"
if ! "${cmd[@]}"; then
  case "$base" in
    localhost/*) ;;
    *) echo "image: build failed; without a reachable container registry, build the base from Debian's packages: make image BASE=debootstrap" >&2 ;;
  esac
  exit 1
fi

size=$("$builder" images --format '{{.Size}}' "$image" 2>/dev/null | head -n1 || true)
echo "image: $image (${size:-size unknown}) from $base in $(($(date +%s) - start))s"
