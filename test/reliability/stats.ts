// Counters the reliability tests report to `npm run test:reliability`, which prints them as one table.
// Each test file runs in its own process, so they append JSON lines to the file named by RELIABILITY_STATS.
import fs from 'node:fs';

export type StatKind = 'faults' | 'badInputs' | 'requests' | 'lost' | 'kills';

export interface StatLine {
  suite: string;
  kind: StatKind;
  n: number;
  /** Extra facts for the summary (latency percentiles…), printed as is. */
  note?: string;
}

/** Adds `n` to a counter of this suite; a no-op unless the runner asked for stats. */
export function record(suite: string, kind: StatKind, n: number, note?: string): void {
  const file = process.env.RELIABILITY_STATS;
  if (!file) return;
  const line: StatLine = { suite, kind, n, ...(note ? { note } : {}) };
  fs.appendFileSync(file, JSON.stringify(line) + '\n');
}

/** The long variants (50 kills, 30 s of load, thousands of fuzz cases, 100k files) run only when asked. */
export const LONG = process.env.RELIABILITY_LONG === '1';
