#!/usr/bin/env bash
# Fetch and unpack the Keycloak server distribution (keycloak-quarkus-dist) from
# Maven Central, cached by version.
#
#   tools/keycloak/fetch.sh DEST
#
# Result: DEST/<version>/keycloak-<version>/bin/kc.sh; that directory is printed
# on stdout (the only line this script writes there). A second run with the
# unpacked tree present returns at once without touching Maven.
#
# KEYCLOAK_VERSION overrides the pinned version. Needs `mvn` (any 3.x) and tar;
# running the server needs a JDK 21+ (tests/support/keycloak.py looks for one).
set -euo pipefail

KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.7.3}"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

if [[ $# -ne 1 ]]; then
  echo "usage: $0 DEST" >&2
  exit 2
fi

mkdir -p "$1"
dest_root="$(cd "$1" && pwd)"
version_dir="${dest_root%/}/${KEYCLOAK_VERSION}"
install_dir="${version_dir}/keycloak-${KEYCLOAK_VERSION}"
stamp="${version_dir}/.complete"

if [[ -f "$stamp" && -x "${install_dir}/bin/kc.sh" ]]; then
  echo "$install_dir"
  exit 0
fi

command -v mvn >/dev/null || { echo "fetch.sh: mvn not found on PATH" >&2; exit 1; }

mkdir -p "$version_dir"
work="$(mktemp -d "${version_dir}/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

archive="keycloak-quarkus-dist-${KEYCLOAK_VERSION}.tar.gz"
if [[ ! -f "${version_dir}/${archive}" ]]; then
  echo "fetch.sh: downloading org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:tar.gz" >&2
  # --strict-checksums: fail (not warn) if the artifact does not match Central's checksum.
  (cd "$work" && mvn -B -q --strict-checksums "${DEP_PLUGIN}:copy" \
      "-Dartifact=org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:tar.gz" \
      "-DoutputDirectory=${work}/dl" >&2)
  mv "${work}/dl/${archive}" "${version_dir}/${archive}"
fi

echo "fetch.sh: unpacking ${archive}" >&2
mkdir -p "${work}/x"
tar -xzf "${version_dir}/${archive}" -C "${work}/x"
[[ -x "${work}/x/keycloak-${KEYCLOAK_VERSION}/bin/kc.sh" ]] || {
  echo "fetch.sh: archive did not contain keycloak-${KEYCLOAK_VERSION}/bin/kc.sh" >&2
  exit 1
}
rm -rf "$install_dir"
mv "${work}/x/keycloak-${KEYCLOAK_VERSION}" "$install_dir"
touch "$stamp"
echo "$install_dir"
