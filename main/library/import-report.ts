/**
 * What went wrong (and right) while reading a library. Bad input never stops an import: each problem is
 * counted and (up to a cap, so a broken 100k-row CSV does not bloat the database) listed with file and line.
 */
import type { z } from 'zod';
import type { ImportIssue as ImportIssueSchema, ImportReport as ImportReportSchema, IssueKind as IssueKindSchema } from '../../contract/schemas/library';

export type IssueKind = z.infer<typeof IssueKindSchema>;
export type ImportIssue = z.infer<typeof ImportIssueSchema>;
export type ImportReport = z.infer<typeof ImportReportSchema>;

export const MAX_LISTED_ISSUES = 2000;

export class ReportBuilder {
  readonly counts: Partial<Record<IssueKind, number>> = {};
  readonly issues: ImportIssue[] = [];
  truncated = false;

  add(kind: IssueKind, file: string, message: string, line?: number): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    if (this.issues.length >= MAX_LISTED_ISSUES) {
      this.truncated = true;
      return;
    }
    this.issues.push(line === undefined ? { kind, file, message } : { kind, file, line, message });
  }

  count(kind: IssueKind): number {
    return this.counts[kind] ?? 0;
  }

  /** Adds the issues of an earlier report (e.g. the layout's) to this one. */
  merge(other: ImportReport): void {
    for (const issue of other.issues) this.add(issue.kind, issue.file, issue.message, issue.line);
    // Counts beyond the listed issues (truncated reports) still add up.
    for (const [kind, n] of Object.entries(other.counts) as [IssueKind, number][]) {
      const listed = other.issues.filter((i) => i.kind === kind).length;
      if (n > listed) this.counts[kind] = (this.counts[kind] ?? 0) + (n - listed);
    }
    if (other.truncated) this.truncated = true;
  }

  build(layout: string, totals: ImportReport['totals']): ImportReport {
    return { layout, counts: { ...this.counts }, issues: [...this.issues], truncated: this.truncated, totals };
  }
}
