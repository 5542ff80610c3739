#!/usr/bin/env bash
# run-ct-kill-mix.sh [VPP_PREFIX] - try to crash VPP the way the Node chaos
# test does: several cut-through LDP apps doing a mix of listen/unlisten,
# connect+write-before-connected, echo, close/shutdown/RST, while the script
# SIGKILLs and restarts them at random.
#
# Builds ct_kill_mix.c, starts a private VPP (scripts/vpp-instance.js), runs
# 1 stable process (2 listeners, never killed) and NCHURN churn processes
# (NLISTEN listeners each, closed and re-opened at random) under LDP, all in
# the default app namespace (local scope => cut-through). Every process
# connects to its own and to all other listeners. Every KILL_MIN_MS..
# KILL_MAX_MS ms a random churn process is SIGKILLed and restarted (new
# seed). Checks once a second whether VPP is alive / printed "received
# signal". Prints the backtrace and "VPP CRASHED after N s", or "VPP
# survived N s". Always stops VPP and the programs it started.
#
# Knobs (env):
#   NCHURN=3  NLISTEN=3 (per churn process)  RATE=100 (ops/s per process)
#   KILL_MIN_MS=500  KILL_MAX_MS=1500  SEED=$$ (script seed; per-process
#   seeds are logged in RUN_DIR/kills.out)  DURATION=60  PORT_BASE=9000
#   RUN_DIR=/tmp/repro-killmix-vpp
#   TARGETS=all (every process connects to every listener) | own+stable
#   (churn processes connect to their own listeners and the stable ones,
#   the stable process only to its own: no connect targets a listener of
#   another process that may be killed)
#   LCHURN=1 (0: churn processes never close their listeners; exported to
#   the programs as KM_LCHURN)
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
export VPP_PREFIX="${1:-${VPP_PREFIX:-/opt/vpp}}"
nchurn="${NCHURN:-3}"
nlisten="${NLISTEN:-3}"
rate="${RATE:-100}"
kill_min="${KILL_MIN_MS:-500}"
kill_max="${KILL_MAX_MS:-1500}"
seed="${SEED:-$$}"
duration="${DURATION:-60}"
pbase="${PORT_BASE:-9000}"
run_dir="${RUN_DIR:-/tmp/repro-killmix-vpp}"
export KM_LCHURN="${LCHURN:-1}"
targets="${TARGETS:-all}"
RANDOM=$seed

# shellcheck source=lib.sh
. "$here/lib.sh"
repro_start ct_kill_mix.c ct_kill_mix
echo "VPP $(vppctl_ show version | head -1) pid $vpp_pid; nchurn=$nchurn nlisten=$nlisten rate=$rate kill=${kill_min}-${kill_max}ms seed=$seed lchurn=$KM_LCHURN targets=$targets"

# all listening ports: stable pbase, pbase+1; churn i: pbase+100+10*i ...
ports="$run_dir/ports"
{ echo "$pbase"; echo $((pbase + 1))
  for i in $(seq 1 "$nchurn"); do for j in $(seq 0 $((nlisten - 1))); do echo $((pbase + 100 + 10 * i + j)); done; done
} > "$ports"
# what each process connects to besides its own listeners
stable_peers="$ports"; churn_peers="$ports"
if [ "$targets" = own+stable ]; then
  : > "$run_dir/peers-stable"; stable_peers="$run_dir/peers-stable"
  head -2 "$ports" > "$run_dir/peers-churn"; churn_peers="$run_dir/peers-churn"
fi

start_t=$SECONDS
# start_proc ROLE SEED BASE NLISTEN: in the background, $! is the program itself (env execs it)
start_proc() {
  local left=$((duration - (SECONDS - start_t) + 5))
  local peers=$churn_peers; [ "$1" = stable ] && peers=$stable_peers
  env LD_PRELOAD="$VPP_LDP_LIB" VCL_CONFIG="$VCL_CONFIG" "$bin" "$1" "$2" "$left" "$3" "$4" "$rate" -- "@$peers" \
    >> "$run_dir/proc-$3.out" 2>&1 &
}

# the stable process is never killed by us; if VCL crashes it (see
# ct_kill_mix.c), it is restarted (logged in proc-PBASE.out)
(
  n=0
  while [ $((SECONDS - start_t)) -lt "$duration" ] && [ ! -e "$run_dir/stop" ]; do
    [ $n -gt 0 ] && echo "stable restarted (#$n) at t=$((SECONDS - start_t))s" >> "$run_dir/proc-$pbase.out"
    start_proc stable $((seed + n)) "$pbase" 2; wait $!; n=$((n + 1))
  done
) &
stable_pid=$!
pids+=($stable_pid)
sleep 0.3
declare -a cpid
for i in $(seq 1 "$nchurn"); do
  start_proc churn $((seed * 100 + i)) $((pbase + 100 + 10 * i)) "$nlisten"
  cpid[$i]=$!
  pids+=($!)
done

# killer: SIGKILL a random churn process, restart it; bounded by $duration
(
  n=0
  end=$((SECONDS + duration))
  while [ $SECONDS -lt $end ] && [ ! -e "$run_dir/stop" ]; do
    ms=$((kill_min + RANDOM % (kill_max - kill_min + 1)))
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    [ -e "$run_dir/stop" ] && break
    i=$((1 + RANDOM % nchurn))
    kill -KILL "${cpid[$i]}" 2>/dev/null
    wait "${cpid[$i]}" 2>/dev/null
    n=$((n + 1))
    s=$((seed * 100 + i + 10 * n))
    start_proc churn "$s" $((pbase + 100 + 10 * i)) "$nlisten"
    cpid[$i]=$!
    echo "t=$((SECONDS - start_t))s kill #$n: churn $i, restarted pid ${cpid[$i]} seed $s"
  done
  echo "killer: $n kills"
  touch "$run_dir/killer-done"
  for i in $(seq 1 "$nchurn"); do kill -KILL "${cpid[$i]}" 2>/dev/null; done
  wait
) > "$run_dir/kills.out" 2>&1 &
pids+=($!)

repro_watch

[ -n "$crashed_at" ] && { echo "last kills before the crash:"; tail -3 "$run_dir/kills.out" | sed 's/^/  /'; }
repro_report
touch "$run_dir/stop"; sleep 0.3
tail -1 "$run_dir/kills.out" | sed 's/^/  /'
for f in "$run_dir"/proc-*.out; do
  echo "  $(basename "$f"): $(grep -c ': seed' "$f") starts; $(grep -c 'got signal' "$f") app crashes"
  grep -m2 'got signal' "$f" | sed 's/^/    /'
done
grep -h 'done:' "$run_dir/proc-$pbase.out" 2>/dev/null | sed 's/^/  /'
# keep VPP's output (the harness removes its run dir on cleanup)
cat "$vdir/vpp.out" "$vdir/vpp.log" > "$run_dir/vpp-last.out" 2>/dev/null
echo "  VPP log: $(grep -c "app doesn't own session" "$run_dir/vpp-last.out") x \"app doesn't own session\" (kept in $run_dir/vpp-last.out)"
exit $rc
