'use strict';
// Small statistics helpers shared by the runner, the charts and the README writer.

function median(xs) {
  const a = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((p, q) => p - q);
  if (!a.length) return null;
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
}

/** Quantile q (0..1) from the 1001-point quantile table a worker reports. */
function fromTable(table, q) {
  return table[Math.min(1000, Math.max(0, Math.round(q * 1000)))];
}

/** Human format: 3 significant digits, thousands grouped. */
function fmt(x, digits = 3) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 10 ** digits) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(digits)).toString();
}

module.exports = { median, fromTable, fmt };
