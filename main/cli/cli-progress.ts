/**
 * Job progress on stderr: a live bar redrawn in place on a terminal, plain lines otherwise (logs, CI,
 * pipes), so redirected output stays readable.
 */
import type { JobSnapshot } from '../../contract';
import type { CliIo } from './cli-io';

const REDRAW_MS = 100;
const PLAIN_EVERY_MS = 5000;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function progressText(s: JobSnapshot): string {
  const parts = [s.phase];
  if (s.total > 0) parts.push(`${s.done + s.failed}/${s.total}`);
  if (s.failed) parts.push(`(${s.failed} failed)`);
  if (s.message) parts.push(`– ${s.message}`);
  if (s.rate) parts.push(`${s.rate >= 10 ? s.rate.toFixed(0) : s.rate.toFixed(1)}/s`);
  if (s.etaSeconds !== undefined) parts.push(`ETA ${duration(s.etaSeconds)}`);
  return parts.join(' ');
}

export class ProgressView {
  private drawn = false;
  private lastDraw = 0;
  private lastPlain = { phase: '', at: 0, tenth: -1 };

  constructor(private readonly io: CliIo) {}

  update(s: JobSnapshot): void {
    const now = Date.now();
    const fraction = s.total > 0 ? Math.min(1, (s.done + s.failed) / s.total) : 0;
    if (this.io.isTTY) {
      if (now - this.lastDraw < REDRAW_MS && s.status === 'running') return;
      this.lastDraw = now;
      const width = 24;
      const filled = Math.round(fraction * width);
      const bar = s.total > 0 ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ` : '';
      const line = `${bar}${progressText(s)}`.slice(0, Math.max(20, this.io.columns - 1));
      this.io.err(`\r\x1b[2K${line}`);
      this.drawn = true;
      return;
    }
    // Plain lines: on a new phase, then every 10% (at most one a second), or every few seconds.
    const tenth = Math.floor(fraction * 10);
    const p = this.lastPlain;
    if (s.phase !== p.phase || (tenth > p.tenth && now - p.at >= 1000) || now - p.at >= PLAIN_EVERY_MS) {
      this.lastPlain = { phase: s.phase, at: now, tenth };
      this.io.err(`${progressText(s)}\n`);
    }
  }

  /** A line of its own (epoch results, notes), printed above the bar. */
  line(text: string): void {
    this.clear();
    this.io.err(`${text}\n`);
  }

  clear(): void {
    if (this.drawn) this.io.err('\r\x1b[2K');
    this.drawn = false;
    this.lastDraw = 0;
  }
}
