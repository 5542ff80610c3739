#!/usr/bin/env bash
# run-ct-listener-race.sh [VPP_PREFIX] - try to crash VPP with cut-through
# connects racing a listener that is closed (unlisten) or whose app exits.
#
# Builds ct_listener_race.c, starts a private VPP (scripts/vpp-instance.js), runs one
# server role + NCLIENTS client processes under LDP (all in the default app
# namespace, local scope => cut-through), and checks once a second whether
# VPP is alive and whether its output has "received signal". Prints the
# backtrace and "VPP CRASHED after N s", or "VPP survived N s". Always stops
# VPP and the programs it started.
#
# Knobs (env):
#   MODE=unlisten|exit|once  unlisten: server loops listen/usleep/close (default)
#                        exit: server-exit restarted in a loop (app dies with a listener)
#                        once: a new server-once process every ONCE_GAP (0.1) s, up to
#                        MAX_SERVERS (150); each listens+closes once and stays alive
#                        (unlisten only, no app exit during the run)
#   NCLIENTS=2  DURATION=60  MAX_US=2000 (server's random hold time; 0 = none)
#   POLL_MS=5 (client wait per connect)  SERVER_ACCEPT=0|1 (unlisten mode:
#   accept once before close)  SERVER_DRAIN=0|1 (unlisten mode: after close,
#   epoll_wait 20 ms so VCL eats late ACCEPTs outside listen(); avoids VCL's own
#   crash, see ct_listener_race.c)  PORT=7777  RUN_DIR=/tmp/repro-vpp
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
export VPP_PREFIX="${1:-${VPP_PREFIX:-/opt/vpp}}"
mode="${MODE:-unlisten}"
nclients="${NCLIENTS:-2}"
duration="${DURATION:-60}"
max_us="${MAX_US:-2000}"
poll_ms="${POLL_MS:-5}"
port="${PORT:-7777}"
run_dir="${RUN_DIR:-/tmp/repro-vpp}"
accept_arg=""; [ "${SERVER_ACCEPT:-0}" = 1 ] && accept_arg=accept
[ "${SERVER_DRAIN:-0}" = 1 ] && accept_arg="${accept_arg:+$accept_arg,}drain"
[ -z "$accept_arg" ] && accept_arg=none

# shellcheck source=lib.sh
. "$here/lib.sh"
repro_start ct_listener_race.c ct_listener_race
echo "VPP $(vppctl_ show version | head -1) pid $vpp_pid; mode=$mode clients=$nclients max_us=$max_us poll_ms=$poll_ms server_flags=$accept_arg"

if [ "$mode" = once ]; then
  # one listen/close per process; every process stays alive to the end (no app exit)
  (
    end=$((SECONDS + duration)); n=0
    while [ $SECONDS -lt $end ] && [ ! -e "$run_dir/stop" ] && [ $n -lt "${MAX_SERVERS:-150}" ]; do
      ldp "$bin" server-once "$port" "$max_us" $((end - SECONDS)) &
      n=$((n + 1)); sleep "${ONCE_GAP:-0.1}"
    done
    echo "server-once: $n processes started"
    wait
    echo "server-once: all exited"
  ) > "$run_dir/server.out" 2>&1 &
elif [ "$mode" = exit ]; then
  (
    end=$((SECONDS + duration)); n=0
    while [ $SECONDS -lt $end ] && [ ! -e "$run_dir/stop" ]; do
      ldp "$bin" server-exit "$port" "$max_us" 2>/dev/null; n=$((n + 1))
    done
    echo "server-exit: $n runs"
  ) > "$run_dir/server.out" 2>&1 &
else
  # restarted if it dies (VCL itself may crash on an accept for a closed listener)
  (
    end=$((SECONDS + duration)); n=0; died=0
    while [ $SECONDS -lt $end ] && [ ! -e "$run_dir/stop" ]; do
      ldp "$bin" server "$port" "$max_us" $((end - SECONDS)) $accept_arg; rc=$?; n=$((n + 1))
      [ $rc -ne 0 ] && { died=$((died + 1)); echo "server process exited with status $rc (>128: signal $((rc - 128)))"; }
    done
    echo "server: $n processes, $died died abnormally"
  ) > "$run_dir/server.out" 2>&1 &
fi
pids+=($!)
sleep 0.3
for i in $(seq 1 "$nclients"); do
  ldp "$bin" client "$port" "$duration" "$poll_ms" > "$run_dir/client$i.out" 2>&1 &
  pids+=($!)
done

repro_watch

repro_report
cat "$run_dir/server.out" "$run_dir"/client*.out 2>/dev/null | sed 's/^/  /'
exit $rc
