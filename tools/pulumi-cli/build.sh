#!/usr/bin/env bash
# Provide the Pulumi CLI at the version pinned in go.mod, plus the scripts the Python SDK
# needs beside it (dynamic providers, the Python language host's exec shim).
#
#   tools/pulumi-cli/build.sh DEST      -> DEST/bin/pulumi, DEST/bin/pulumi-resource-pulumi-python, ...
#
# A `pulumi` already on PATH at or above the pin is used as it is (linked). Otherwise the
# CLI is built from source through the Go module proxy (CGO off, version stamped with
# ldflags). A finished DEST carries a stamp and is reused: a second run takes milliseconds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: build.sh DEST}
version=$(awk '{for (i = 1; i < NF; i++) if ($i == "github.com/pulumi/pulumi/pkg/v3") print $(i + 1)}' "$here/go.mod" | sed 's/^v//')
stamp="$dest/.stamp"
want="pulumi v$version go.sum:$(sha256sum "$here/go.sum" | cut -c1-16)"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$dest/bin/pulumi" ]; then
  exit 0
fi

version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

mkdir -p "$dest/bin"
existing=$(command -v pulumi || true)
case "$existing" in "$dest"/*|"") existing="" ;; esac
if [ -n "$existing" ]; then
  have=$("$existing" version 2>/dev/null | sed 's/^v//')
  if version_ge "$have" "$version" && [ -x "$(dirname "$existing")/pulumi-resource-pulumi-python" ]; then
    echo "pulumi: using $existing (v$have >= v$version)"
    for f in "$(dirname "$existing")"/pulumi*; do ln -sf "$f" "$dest/bin/"; done
    echo "$want" > "$stamp"
    exit 0
  fi
fi

echo "pulumi: building v$version from source (Go module proxy)"
start=$(date +%s)
sdk_dir=$(cd "$here" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3 2>/dev/null || true)
if [ -z "$sdk_dir" ] || [ ! -d "$sdk_dir" ]; then
  (cd "$here" && go mod download github.com/pulumi/pulumi/sdk/v3)
  sdk_dir=$(cd "$here" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
fi
(
  cd "$here"
  CGO_ENABLED=0 go build -mod=readonly -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
    -o "$dest/bin/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
)
mv "$dest/bin/pulumi.tmp" "$dest/bin/pulumi"
# Scripts shipped in the sdk module: the dynamic provider host and the exec shim.
install -m 0755 "$sdk_dir/python/dist/pulumi-resource-pulumi-python" "$dest/bin/"
install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$dest/bin/"
got=$("$dest/bin/pulumi" version)
[ "$got" = "v$version" ] || { echo "pulumi: built binary reports $got, expected v$version" >&2; exit 1; }
echo "$want" > "$stamp"
echo "pulumi: v$version built in $(( $(date +%s) - start ))s"
