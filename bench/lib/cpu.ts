// CPU time spent by this Node process (every thread) and by a PostgreSQL server (the postmaster
// and its backends), read from /proc: where the work of a request goes when everything shares
// the same cores. Linux only; elsewhere the server's share reads as unknown.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Db } from '../../src/platform/db/pool.ts';

export type CpuReading = {
  /** This thread (the client's). */
  thread: number;
  /** Every thread of this process: the client's, a server's in a worker, libuv's, the GC's. */
  node: number;
  postgres: number | undefined;
};

/** Reads CPU milliseconds so far; subtract two readings for the work between them. */
export type CpuMeter = () => CpuReading;

/** `db`: any connection to the server, whose parent process is the postmaster. */
export async function cpuMeter(db: Db): Promise<CpuMeter> {
  const backend = (await db.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
  const postmaster = backend === undefined ? undefined : statOf(backend)?.ppid;
  const ticksPerMs = clockTicksPerSecond() / 1000;
  return () => {
    const thread = process.threadCpuUsage();
    const all = process.cpuUsage();
    return {
      thread: (thread.user + thread.system) / 1000,
      node: (all.user + all.system) / 1000,
      postgres: postmaster === undefined ? undefined : treeTicks(postmaster) / ticksPerMs,
    };
  };
}

export function cpuBetween(start: CpuReading, end: CpuReading): CpuReading {
  return {
    thread: end.thread - start.thread,
    node: end.node - start.node,
    postgres:
      start.postgres === undefined || end.postgres === undefined
        ? undefined
        : end.postgres - start.postgres,
  };
}

type Stat = { ppid: number; own: number; reaped: number };

/** utime+stime of the process, and cutime+cstime of its children that have exited. */
function statOf(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone, or not Linux
  }
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const field = (n: number) => Number(fields[n - 3]); // numbered as in proc(5)
  return { ppid: field(4), own: field(14) + field(15), reaped: field(16) + field(17) };
}

/** The postmaster's ticks, its exited backends', and those of every backend still running. */
function treeTicks(postmaster: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = statOf(pid);
    if (pid === postmaster && stat) ticks += stat.own + stat.reaped;
    else if (stat?.ppid === postmaster) ticks += stat.own;
  }
  return ticks;
}

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}
