/**
 * What this process decided lately (the last transport decisions, with their
 * endpoints and reasons), and — in register mode — a small status file per
 * process that `vppnet doctor` reads, as one reads /proc: which processes run
 * in register mode and what their last sockets chose. The file is written at
 * most once a second after a change, by an unref'd timer, and removed at exit.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Decided { at: string; what: string; endpoint: string; transport: string; reason: string }
export interface ProcessStatus { pid: number; argv: string[]; registered: boolean; since: string; decisions: Decided[] }

const KEEP = 20;
const decisions: Decided[] = [];
let publishing: { file: string; since: string } | undefined;
let timer: NodeJS.Timeout | undefined;

/** The directory of the status files of this user's processes. */
export function statusDir(): string {
  return path.join(os.tmpdir(), `vppnet-${process.getuid?.() ?? 'user'}`);
}

/** Note one decision (glue/bind.ts). */
export function recordDecision(what: string, endpoint: string, transport: string, reason: string): void {
  decisions.push({ at: new Date().toISOString(), what, endpoint, transport, reason });
  if (decisions.length > KEEP) decisions.shift();
  if (publishing && !timer) {
    timer = setTimeout(write, 1000);
    timer.unref();
  }
}

/** The last decisions of this process, oldest first. */
export function recentDecisions(): Decided[] { return decisions.slice(); }

function write() {
  timer = undefined;
  if (!publishing) return;
  const status: ProcessStatus = { pid: process.pid, argv: process.argv.slice(1), registered: true, since: publishing.since, decisions };
  try {
    fs.mkdirSync(path.dirname(publishing.file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(`${publishing.file}.tmp`, JSON.stringify(status));
    fs.renameSync(`${publishing.file}.tmp`, publishing.file);
  } catch { /* a status file is a courtesy: never fail the program for it */ }
}

const removeFile = () => { if (publishing) fs.rmSync(publishing.file, { force: true }); };

/** Register mode on (true) or off: publish this process's status file, or remove it. */
export function publish(on: boolean): void {
  if (on && !publishing) {
    publishing = { file: path.join(statusDir(), `${process.pid}.json`), since: new Date().toISOString() };
    process.on('exit', removeFile);
    write();
  } else if (!on && publishing) {
    removeFile();
    process.removeListener('exit', removeFile);
    if (timer) clearTimeout(timer);
    timer = undefined;
    publishing = undefined;
  }
}

/** The status files of this user's live processes (stale ones, of dead pids, are removed). */
export function liveProcesses(): ProcessStatus[] {
  let names: string[];
  try { names = fs.readdirSync(statusDir()); } catch { return []; }
  const out: ProcessStatus[] = [];
  for (const n of names.filter((f) => /^\d+\.json$/.test(f))) {
    const file = path.join(statusDir(), n);
    const pid = Number(n.slice(0, -5));
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') fs.rmSync(file, { force: true });
      continue;
    }
    try { out.push(JSON.parse(fs.readFileSync(file, 'utf8')) as ProcessStatus); } catch { /* being rewritten */ }
  }
  return out;
}
