#!/usr/bin/env bash
# Provide actionlint (the GitHub Actions workflow linter) at the version pinned in go.mod.
#
#   tools/actionlint/build.sh DEST      -> DEST/bin/actionlint
#
# No registry we can reach ships actionlint binaries, but the Go module proxy has its
# source: this wrapper module (committed go.mod/go.sum, like tools/pulumi-cli/) builds it
# reproducibly, checksums verified by go.sum. A finished DEST carries a stamp and is reused,
# so a second run takes milliseconds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: build.sh DEST}
version=$(awk '{for (i = 1; i < NF; i++) if ($i == "github.com/rhysd/actionlint") print $(i + 1)}' "$here/go.mod")
stamp="$dest/.stamp"
want="actionlint $version go.sum:$(sha256sum "$here/go.sum" | cut -c1-16)"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$dest/bin/actionlint" ]; then
  exit 0
fi

command -v go >/dev/null || { echo "actionlint: go not found on PATH (needed to build $version)" >&2; exit 1; }
echo "actionlint: building $version from source (Go module proxy)"
start=$(date +%s)
mkdir -p "$dest/bin"
(
  cd "$here"
  # Built as a dependency of this module, actionlint cannot read its own version from the
  # build info (it would report the wrapper's), so it is stamped with ldflags.
  CGO_ENABLED=0 go build -mod=readonly -trimpath \
    -ldflags "-s -w -X github.com/rhysd/actionlint.version=$version" \
    -o "$dest/bin/actionlint.tmp" github.com/rhysd/actionlint/cmd/actionlint
)
mv "$dest/bin/actionlint.tmp" "$dest/bin/actionlint"
got=$("$dest/bin/actionlint" -version | head -n1)
[ "$got" = "$version" ] || { echo "actionlint: built binary reports $got, expected $version" >&2; exit 1; }
echo "$want" > "$stamp"
echo "actionlint: $version built in $(( $(date +%s) - start ))s"
