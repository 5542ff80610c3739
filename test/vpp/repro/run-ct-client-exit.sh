#!/usr/bin/env bash
# run-ct-client-exit.sh [VPP_PREFIX] - try to crash VPP with cut-through
# CLIENT apps that die while their connects to a live listener are in flight.
#
# Builds ct_client_exit.c, starts a private VPP (scripts/vpp-instance.js), runs one stable
# server process (listener kept open, accepts slowly or fast) and NPAR loops
# that each start client processes one after another under LDP (all in the
# default app namespace, local scope => cut-through). Checks once a second
# whether VPP is alive and whether its output has "received signal". Prints
# the backtrace and "VPP CRASHED after N s", or "VPP survived N s". Always
# stops VPP and the programs it started.
#
# Knobs (env):
#   VARIANT=a|b|c   a: clients start K connects, sleep rand 0..MAX_US, _exit(0)
#                      (HOW=libc: exit(0) instead, VCL detaches)   (default)
#                   b: clients start K connects and wait; the script SIGKILLs
#                      each one after rand 0..KILL_MAX_MS ms
#                   c: server accepts fast (GAP_US=0 unless set), clients wait
#                      up to WAIT_MS for connects, write 1 KiB each, _exit(0)
#   NPAR=4 (parallel client loops)  K=32 (connects per client)  MAX_US=3000
#   KILL_MAX_MS=60  WAIT_MS=2  GAP_US=2000 (server usleep between accept
#   batches; variant c: 0)  HOLD_MS=5  BATCH=4 (accepts per batch, 0 = all)
#   DURATION=60  PORT=7778  RUN_DIR=/tmp/repro2-vpp
#   GDB_BT=1: attach gdb to VPP before the clients start; it prints a
#   backtrace at every application_force_detach() call and at the SIGSEGV
#   (RUN_DIR/gdb.out, shown after a crash)
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
export VPP_PREFIX="${1:-${VPP_PREFIX:-/opt/vpp}}"
variant="${VARIANT:-a}"
npar="${NPAR:-4}"
k="${K:-32}"
max_us="${MAX_US:-3000}"
kill_max_ms="${KILL_MAX_MS:-60}"
wait_ms="${WAIT_MS:-2}"
how="${HOW:-exit}"
if [ "$variant" = c ]; then gap_us="${GAP_US:-0}"; else gap_us="${GAP_US:-2000}"; fi
hold_ms="${HOLD_MS:-5}"
batch="${BATCH:-4}"
duration="${DURATION:-60}"
port="${PORT:-7778}"
run_dir="${RUN_DIR:-/tmp/repro2-vpp}"
case "$variant" in
  a) ;; b) how=hang ;; c) how=write ;;
  *) echo "VARIANT must be a, b or c" >&2; exit 2 ;;
esac

# shellcheck source=lib.sh
. "$here/lib.sh"
repro_start ct_client_exit.c ct_client_exit
echo "VPP $(vppctl_ show version | head -1) pid $vpp_pid; variant=$variant how=$how npar=$npar k=$k max_us=$max_us kill_max_ms=$kill_max_ms gap_us=$gap_us hold_ms=$hold_ms batch=$batch"

ldp "$bin" server "$port" "$duration" "$gap_us" "$hold_ms" "$batch" > "$run_dir/server.out" 2>&1 &
pids+=($!)
sleep 0.5
rm -f "$run_dir/gdb.out"
if [ "${GDB_BT:-0}" = 1 ]; then
  cat > "$run_dir/gdb.cmd" <<'GDB'
set pagination off
handle SIGUSR1 SIGUSR2 SIGPIPE SIGALRM SIGCHLD nostop noprint pass
break application_force_detach
commands 1
  silent
  echo ==== application_force_detach ====\n
  bt 6
  continue
end
continue
echo ==== stopped (signal) ====\n
bt 12
info registers rip rdi rax
kill
GDB
  timeout -s KILL $((duration + 10)) gdb -p "$vpp_pid" -batch -nx -x "$run_dir/gdb.cmd" > "$run_dir/gdb.out" 2>&1 &
  pids+=($!)
  sleep 3
fi

for i in $(seq 1 "$npar"); do
  (
    end=$((SECONDS + duration)); n=0; bad=0
    while [ $SECONDS -lt $end ] && [ ! -e "$run_dir/stop" ]; do
      if [ "$variant" = b ]; then
        # env execs the program, so $! is the client itself
        env LD_PRELOAD="$VPP_LDP_LIB" VCL_CONFIG="$VCL_CONFIG" "$bin" client "$port" "$k" 0 hang 2>/dev/null &
        cp=$!
        ms=$((RANDOM % (kill_max_ms + 1)))
        sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
        kill -KILL "$cp" 2>/dev/null
        wait "$cp" 2>/dev/null
      else
        ldp "$bin" client "$port" "$k" "$max_us" "$how" "$wait_ms" 2>/dev/null
        rc=$?; [ $rc -ne 0 ] && bad=$((bad + 1))
      fi
      n=$((n + 1))
    done
    echo "client loop $i: $n client processes${bad:+, $bad exited non-zero}"
  ) > "$run_dir/client$i.out" 2>&1 &
  pids+=($!)
done

repro_watch

[ -n "$crashed_at" ] && echo "server process: $(kill -0 "${pids[0]}" 2>/dev/null && echo alive || echo gone) when the crash was noticed"
repro_report "$run_dir/gdb.out"
kill -TERM "${pids[0]}" 2>/dev/null; sleep 0.3
cat "$run_dir/server.out" "$run_dir"/client*.out 2>/dev/null | sed 's/^/  /'
exit $rc
