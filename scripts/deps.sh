#!/usr/bin/env bash
# make deps: install what is missing to build and test vppnet on Debian/Ubuntu.
#   apt: emscripten (the WASM core), clang + lld + libFuzzer's runtime, build tools for the addon
#        (node-gyp: make, g++, python3), iperf3 for the benchmarks, chromium (headless) for the slides test
#   npm: the locked devDependencies (npm ci), only when node_modules is missing or stale.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have emcc    || need+=(emscripten)
have clang   || need+=(clang)
have ld.lld  || need+=(lld)
have make    || need+=(make)
have g++     || need+=(g++)
have python3 || need+=(python3)
# libFuzzer's runtime for `make fuzz` (Debian/Ubuntu ship it apart from clang)
compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null || need+=(libclang-rt-14-dev)
have iperf3  || need+=(iperf3)   # the kernel C reference row of `make bench`
have chromium || need+=(chromium)   # the slides' rendering test (headless)

if ((${#need[@]})); then
  if ! have apt-get; then
    echo "make deps: missing ${need[*]} and this is not a Debian/Ubuntu system (no apt-get); install them yourself." >&2
    exit 1
  fi
  if [[ $(id -u) -eq 0 ]]; then SUDO=(); elif have sudo; then SUDO=(sudo); else
    echo "make deps: missing ${need[*]}; run as root or install them: apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "make deps: apt-get install ${need[*]}"
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
else
  echo "make deps: emcc, clang, lld, make, g++, python3 present"
fi

have node || { echo "make deps: node (>= 20) is required: https://nodejs.org or apt-get install nodejs npm" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
((major >= 20)) || { echo "make deps: node >= 20 required, found $(node -v)" >&2; exit 1; }

# npm ci wipes node_modules: only when it is missing or older than the lockfile.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "make deps: npm ci"
  npm ci --no-audit --no-fund
else
  echo "make deps: node_modules up to date"
fi
