'use strict';
// Which prebuilt addon fits this machine: prebuilds/<platform>-<arch>-<libc>.
// Shared by the release step (scripts/prebuild.js), the install step
// (scripts/install.js) and the loader (glue/host.ts).
function libc() {
  if (process.platform !== 'linux') return '';
  const report = process.report && process.report.getReport();
  return report && report.header && report.header.glibcVersionRuntime ? 'glibc' : 'musl';
}
function prebuildDir() {
  const l = libc();
  return `prebuilds/${process.platform}-${process.arch}${l ? `-${l}` : ''}`;
}
module.exports = { prebuildDir };
