#!/usr/bin/env bash
# run-listen-connects.sh [VPP_PREFIX] - VPP bug 5 without vppnet: on a VPP with
# one worker thread, a C program under VPP's LD_PRELOAD library closes a
# listener and starts two non-blocking connects (to a listener of a second C
# program) right behind it, ROUNDS times.
# Then asks VPP's CLI for its version: a VPP whose main thread spins does not
# answer. Prints "VPP HUNG" (and where its main thread is, by gdb) or "VPP
# answered". Knobs: ROUNDS=20 PORT=7700 WORKERS=1 RUN_DIR=/tmp/repro-lc
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
export VPP_PREFIX="${1:-${VPP_PREFIX:-/opt/vpp}}"
export WORKERS="${WORKERS:-1}"
rounds="${ROUNDS:-20}"
port="${PORT:-7700}"
run_dir="${RUN_DIR:-/tmp/repro-lc}"
duration=30

# shellcheck source=lib.sh
. "$here/lib.sh"
repro_start listen_connects.c listen_connects
echo "VPP $(vppctl_ show version | head -1) pid $vpp_pid, $(vppctl_ show threads | grep -c vpp_wk) worker thread(s)"
ldp "$bin" serve "$port" > "$run_dir/server.out" 2>&1 &
pids+=($!)
sleep 0.5
ldp "$bin" burst "$port" "$rounds" > "$run_dir/program.out" 2>&1 &
prog=$!
pids+=("$prog")
for _ in $(seq 1 10); do sleep 1; kill -0 "$prog" 2>/dev/null || break; done
tail -3 "$run_dir/program.out" | sed 's/^/  program: /'
if timeout 5 "$VPP_PREFIX/bin/vppctl" -s "$VPP_CLI_SOCKET" show version >/dev/null 2>&1; then
  echo "VPP answered"; rc=0
else
  echo "---- VPP's main thread (gdb) ----"
  timeout 30 gdb -p "$vpp_pid" -batch -ex "thread 1" -ex "bt 3" 2>/dev/null | grep '^#' || echo "(no gdb)"
  echo "VPP HUNG: its CLI does not answer"; rc=1
fi
exit $rc
