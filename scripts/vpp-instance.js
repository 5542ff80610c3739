#!/usr/bin/env node
'use strict';
// vpp-instance: start or stop one private VPP from the shell (demo, benchmarks).
//
//   node scripts/vpp-instance.js up [--poll-sleep-usec N] [--no-private-rx-mqs]
//                                   [--main-heap SIZE] [--workers N] [--tls-ca FILE] [RUN_DIR]
//       starts VPP (in RUN_DIR, default a fresh /tmp/vppnet-vpp-XXXXXX), prints
//       KEY=VALUE lines (also in RUN_DIR/env) and leaves it running:
//       eval "$(node scripts/vpp-instance.js up)"
//   node scripts/vpp-instance.js down RUN_DIR
//       stops exactly the VPP recorded in RUN_DIR and removes RUN_DIR.
//   node scripts/vpp-instance.js find
//       prints where VPP is installed, or why it was not found (exit 1).
// VPP_PREFIX selects the install (default /opt/vpp, else `vpp` on PATH).

const { findVpp, startVpp, stopRunDir, formatEnv } = require('./vpp-harness.js');

const USAGE = `usage: vpp-instance.js up [--poll-sleep-usec N] [--no-private-rx-mqs] [--main-heap SIZE] [--workers N] [RUN_DIR]
       vpp-instance.js down RUN_DIR
       vpp-instance.js find`;

function usage(msg) {
  if (msg) process.stderr.write(`vpp-instance: ${msg}\n`);
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

function parseUp(args) {
  const opts = { persistent: true };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      if (i + 1 >= args.length) usage(`${a} needs a value`);
      return args[++i];
    };
    if (a === '--poll-sleep-usec') {
      const v = value();
      if (!/^\d+$/.test(v)) usage(`--poll-sleep-usec must be an integer >= 0, got ${v}`);
      opts.pollSleepUsec = Number(v);
    } else if (a === '--no-private-rx-mqs') {
      opts.privateRxMqs = false;
    } else if (a === '--main-heap') {
      opts.mainHeap = value();
    } else if (a === '--workers') {
      const v = value();
      if (!/^\d+$/.test(v)) usage(`--workers must be an integer >= 0, got ${v}`);
      opts.workers = Number(v);
    } else if (a === '--tls-ca') {
      opts.tlsCaFile = value();
    } else if (a.startsWith('-')) {
      usage(`unknown option ${a}`);
    } else if (opts.runDir) {
      usage(`unexpected argument ${a}`);
    } else {
      opts.runDir = a;
    }
  }
  return opts;
}

async function main(argv) {
  const [cmd, ...args] = argv;
  if (cmd === 'up') {
    const inst = await startVpp(parseUp(args));
    process.stderr.write(`vpp-instance: VPP pid ${inst.pid} up in ${inst.startMs.toFixed(0)} ms (${inst.runDir})\n`);
    process.stdout.write(formatEnv(inst.env()));
  } else if (cmd === 'down') {
    if (args.length !== 1) usage('down needs exactly one RUN_DIR');
    const { pid, wasRunning } = await stopRunDir(args[0]);
    process.stderr.write(wasRunning
      ? `vpp-instance: stopped VPP pid ${pid}, removed ${args[0]}\n`
      : `vpp-instance: VPP pid ${pid || '?'} was not running; removed ${args[0]}\n`);
  } else if (cmd === 'find') {
    const found = findVpp();
    if (found.missing) {
      process.stderr.write(`vpp-instance: ${found.missing}\n`);
      process.exit(1);
    }
    process.stdout.write(formatEnv({ VPP_PREFIX: found.prefix, VPP_BIN: found.vpp, VPPCTL: found.vppctl, VPP_LIB_DIR: found.libDir }));
  } else {
    usage(cmd ? `unknown command ${cmd}` : '');
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`vpp-instance: ${err.code ? `${err.code}: ` : ''}${err.message}\n`);
  process.exit(1);
});
