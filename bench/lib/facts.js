'use strict';
// Machine facts recorded with every result.

const os = require('node:os');
const fs = require('node:fs');

function cpuModel() {
  try {
    const m = /model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch { /* not Linux */ }
  return os.cpus()[0] ? os.cpus()[0].model : 'unknown';
}

function facts() {
  return {
    host: os.hostname(),
    cpuModel: cpuModel(),
    cores: os.cpus().length,
    memGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    v8: process.versions.v8,
    loadavgStart: os.loadavg(),
  };
}

module.exports = { facts };
