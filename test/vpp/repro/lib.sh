# lib.sh — what the reproducers share: build the C program, start a private
# VPP with the project's harness, run programs under VPP's LD_PRELOAD library,
# watch VPP once a second, report its backtrace, and always clean up.
# Sourced after the script set: here, run_dir, duration (and VPP_PREFIX).

instance="$here/../../../scripts/vpp-instance.js"   # the project's own VPP harness

# repro_start SRC.c NAME: build into $run_dir/NAME ($bin), start VPP ($vdir, its env sourced)
repro_start() {
  mkdir -p "$run_dir"
  bin="$run_dir/$2"
  cc -O2 -Wall -o "$bin" "$here/$1" || { echo "build failed" >&2; exit 2; }
  vdir="$run_dir/vpp"
  node "$instance" down "$vdir" >/dev/null 2>&1 || true
  rm -f "$run_dir/stop" "$run_dir"/client*.out
  node "$instance" up ${WORKERS:+--workers "$WORKERS"} "$vdir" >/dev/null || { echo "starting VPP failed" >&2; exit 2; }
  # shellcheck disable=SC1091
  . "$vdir/env"
  vpp_pid="$VPP_PID"
  export LD_LIBRARY_PATH="$VPP_LIB_DIR"
  pids=()
  trap repro_cleanup EXIT
}

vppctl_() { "$VPP_PREFIX/bin/vppctl" -s "$VPP_CLI_SOCKET" "$@"; }

# LD_PRELOAD only for our program, not for timeout(1)
ldp() { timeout -s KILL $((duration + 15)) env LD_PRELOAD="$VPP_LDP_LIB" VCL_CONFIG="$VCL_CONFIG" "$@"; }

repro_tree() {   # a pid and all its descendants
  local p c
  for p in "$@"; do
    echo "$p"
    for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do repro_tree "$c"; done
  done
}

repro_cleanup() {
  touch "$run_dir/stop"
  local all
  all=$(repro_tree "${pids[@]}")
  # shellcheck disable=SC2086
  kill $all 2>/dev/null; sleep 0.5
  all="$all $(repro_tree "${pids[@]}")"
  # shellcheck disable=SC2086
  kill -KILL $all 2>/dev/null
  wait 2>/dev/null
  node "$instance" down "$vdir" >/dev/null 2>&1 || true
}

repro_vpp_died() { grep -qs "received signal" "$vdir/vpp.out" "$vdir/vpp.log" || ! kill -0 "$vpp_pid" 2>/dev/null; }

# repro_watch [SHOW_AT_SECONDS]: once a second until VPP dies ($crashed_at) or $duration ends;
# once, what VPP's CLI shows (proof the sessions are cut-through)
repro_watch() {
  crashed_at=""
  local t shown=0 ss
  for t in $(seq 1 "$duration"); do
    sleep 1
    if repro_vpp_died; then crashed_at=$t; break; fi
    if [ $shown = 0 ] && [ "$t" -ge "${1:-2}" ]; then
      ss=$(vppctl_ show session verbose 2>/dev/null)
      echo "t=${t}s: [CT:...] lines in 'show session verbose': $(grep -c 'CT:' <<<"$ss"), LISTEN: $(grep -c LISTEN <<<"$ss")"
      grep -q 'CT:' <<<"$ss" && shown=1
    fi
  done
}

# repro_report [EXTRA_FILE]: VPP's backtrace and the verdict; sets rc
repro_report() {
  if [ -n "$crashed_at" ]; then
    sleep 2   # let VPP finish writing the backtrace
    echo "---- VPP output (signal + backtrace) ----"
    local f
    for f in "$vdir/vpp.out" "$vdir/vpp.log"; do
      [ -s "$f" ] && grep -A30 "received signal" "$f" | head -40 && break
    done
    grep -qs "received signal" "$vdir/vpp.out" "$vdir/vpp.log" || { echo "(no 'received signal' line; tail of vpp.out:)"; tail -20 "$vdir/vpp.out"; }
    if [ -n "${1:-}" ] && [ -s "$1" ]; then echo "---- $(basename "$1") ----"; grep -v '^\[New LWP\|^\[Thread\|^Reading\|^Download' "$1" | head -80; fi
    echo "-----------------------------------------"
    echo "VPP CRASHED after $crashed_at s"
    rc=1
  else
    echo "VPP survived $duration s"
    rc=0
  fi
  touch "$run_dir/stop"
  sleep 0.5
}
