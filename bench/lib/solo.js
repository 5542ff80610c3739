'use strict';
// What the standalone benchmarks (udp.js, tls.js) share: a forked echo/count
// server answering by message type, the CPU of this process, pinning, reps.
const { execFileSync } = require('node:child_process');
const { median } = require('./stats');

function cpuUs() { const u = process.cpuUsage(); return u.user + u.system; }

/** The child's next message of `type` (its 'error' message, or its exit, rejects). */
const once = (child, type) => new Promise((resolve, reject) => {
  const on = (m) => { if (m.type === type) { child.off('message', on); resolve(m); } else if (m.type === 'error') reject(new Error(m.message)); };
  child.on('message', on);
  child.once('exit', (c) => reject(new Error(`server exited (${c})`)));
});

/** 'taskset' when it can pin here, else null. */
function taskset() {
  try { execFileSync('taskset', ['-c', '0', 'true']); return 'taskset'; } catch { return null; }
}

/** --reps N, else 1 with --quick, else 3. */
function repsOf(argv) {
  const i = argv.indexOf('--reps');
  return i > 0 ? Number(argv[i + 1]) : argv.includes('--quick') ? 1 : 3;
}

module.exports = { cpuUs, once, taskset, repsOf, median };
