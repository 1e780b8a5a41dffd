#!/usr/bin/env bash
# A Debian bookworm base image made from Debian's packages alone (debootstrap), for machines
# that reach package registries but no container registry (ours): it stands in for
# python:3.11-slim-bookworm, with Debian's python3.11 and ca-certificates.
#
#   tools/image/base.sh [IMAGE]     default IMAGE: localhost/tenant-engine-base:bookworm
#
# The root filesystem is cached as a tarball under .cache/image/ (git-ignored), keyed by
# suite, packages and mirror, so a re-run only re-imports it when the image is gone
# (a few seconds) and does nothing when it is there. Needs root, debootstrap, and buildah
# (the image is committed with `buildah from scratch`, so podman is not needed).
set -euo pipefail
cd "$(dirname "$0")/../.."

image=${1:-localhost/tenant-engine-base:bookworm}
suite=bookworm
packages=python3.11,ca-certificates
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=.cache/image
tarball=$cache/rootfs-$suite.tar
want="$suite $packages $mirror"

for tool in debootstrap buildah; do
  command -v "$tool" >/dev/null || { echo "base: $tool missing (apt-get install $tool)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "base: debootstrap needs root" >&2; exit 1; }

mkdir -p "$cache"
if [ "$(cat "$tarball.stamp" 2>/dev/null)" != "$want" ] || [ ! -f "$tarball" ]; then
  start=$(date +%s)
  rootfs=$cache/rootfs-$suite.tmp
  rm -rf "$rootfs"
  echo "base: debootstrap $suite (+ $packages) from $mirror"
  debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
  # What a slim image leaves out: package lists and downloaded .debs.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log
  tar -C "$rootfs" --numeric-owner -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  rm -rf "$rootfs"
  echo "$want" >"$tarball.stamp"
  echo "base: root filesystem in $tarball ($(du -h "$tarball" | cut -f1)) after $(($(date +%s) - start))s"
fi

# The tarball's digest is kept as a label: an image made from an older tarball is replaced.
digest=$(sha256sum "$tarball" | cut -c1-16)
label='org.tenant-engine.rootfs'
have=$(buildah inspect --type image --format "{{index .ImageAnnotations \"$label\"}}{{index .OCIv1.Config.Labels \"$label\"}}" "$image" 2>/dev/null || true)
if [ "$have" = "$digest" ]; then
  exit 0
fi
ctr=$(buildah from --pull-never scratch)
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
buildah add --quiet "$ctr" "$tarball" / >/dev/null
buildah config \
  --label "$label=$digest" \
  --env LANG=C.UTF-8 \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --cmd '["/usr/bin/python3.11"]' \
  "$ctr"
buildah commit --quiet --rm "$ctr" "$image" >/dev/null
trap - EXIT
echo "base: $image from $tarball"
