/**
 * Writes the genre keywords into XMP sidecars next to the images, and takes them out again. A missing
 * sidecar is created; an existing one (ours or another program's) gets our keywords merged in, only after
 * the user confirmed it with the files named; a sidecar that already holds them is not rewritten at all.
 * Every write is atomic (temp + fsync + rename): a kill leaves the old or the new sidecar.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-file';
import { inLanes } from '../../core/in-lanes';
import type { z } from 'zod';
import type { ExportResult } from '../../../contract/schemas/tagging';

import { keywordsFor, type KeywordOptions } from './keywords';
import { createdByUs, mergeKeywords, removeKeywords, type MergeOutcome } from './merge';
import { sidecarPath, sidecarPaths, type SidecarNaming } from './naming';
import { parseXmp, XmpParseError } from './packet';

/** What a sidecar export needs of a poster. */
export interface SidecarPoster {
  path: string;
  tags: string[];
}

export interface SidecarOptions extends KeywordOptions {
  naming?: SidecarNaming;
  /** Change existing sidecars (the user confirmed it); otherwise nothing is written and the answer lists them. */
  overwrite?: boolean;
  /** Write only the sidecars that do not exist yet; existing ones stay as they are ("Keep them"). */
  keepExisting?: boolean;
  signal?: AbortSignal;
}

/** How many changed files an answer lists by name. */
const LISTED = 100;
const FEW = 5;

/** A sidecar export's answer: the export result of the contract. */
export type SidecarResult = z.infer<typeof ExportResult>;

type Plan = { file: string; content: string | null; action: 'new' | 'replace' | 'merge' };

async function readIfExists(file: string): Promise<string | null> {
  return fs.promises.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
}

/** The plan for one sidecar: what to write and whose it is, or why it is left alone. */
async function planOne(file: string, edit: (existing: string | null) => MergeOutcome | null): Promise<Plan | 'unchanged' | 'absent' | { reason: string }> {
  let existing: string | null;
  try {
    existing = await readIfExists(file);
  } catch (err) {
    return { reason: `could not read the existing sidecar: ${(err as Error).message}` };
  }
  try {
    const out = edit(existing);
    if (!out) return 'absent';
    if (!out.changed) return 'unchanged';
    if (existing === null) return { file, content: out.content, action: 'new' };
    return { file, content: out.content, action: createdByUs(parseXmp(existing)) ? 'replace' : 'merge' };
  } catch (err) {
    if (err instanceof XmpParseError) return { reason: `the sidecar is not valid XMP (${err.message}); left untouched` };
    throw err;
  }
}

/** Sidecars several images would share (`basename` naming: poster.jpg and poster.png): left out, with why. */
function sharedSidecars(posters: readonly SidecarPoster[], naming: SidecarNaming): Map<string, string[]> {
  const byFile = new Map<string, string[]>();
  for (const p of posters) {
    const f = sidecarPath(p.path, naming);
    byFile.set(f, [...(byFile.get(f) ?? []), p.path]);
  }
  return new Map([...byFile].filter(([, images]) => images.length > 1));
}

const STALE_TEMP = /^\.(.+\.xmp)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Temp files of sidecar writes whose process was killed mid-write (hidden, but they would pile up): removed. */
async function removeStaleTemps(dirs: Iterable<string>): Promise<void> {
  for (const dir of dirs) {
    const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const m = STALE_TEMP.exec(name);
      if (m && Number(m[2]) !== process.pid && !alive(Number(m[2]))) await fs.promises.rm(path.join(dir, name), { force: true });
    }
  }
}

/** Carries out the plans (a few at a time: each write waits on its own fsync). */
async function apply(plans: readonly Plan[], result: SidecarResult, signal?: AbortSignal): Promise<void> {
  await inLanes(
    8,
    plans,
    async ({ file, content }) => {
      try {
        if (content === null) {
          await fs.promises.rm(file);
          result.deleted = (result.deleted ?? 0) + 1;
        } else await writeFileAtomic(file, content);
        result.filesWritten++;
        if (result.files.length < LISTED) result.files.push(file);
      } catch (err) {
        result.skipped.push({ file, reason: `could not write: ${(err as Error).message}` });
      }
    },
    signal,
  );
}

/**
 * Plans every sidecar, asks (by returning `exists`) before changing an existing one, then writes.
 * `count`: posters (or, for remove, sidecars) covered.
 */
async function run(
  targets: readonly { file: string; edit: (existing: string | null) => MergeOutcome | null }[],
  skipped: SidecarResult['skipped'],
  opts: SidecarOptions,
) {
  const result: SidecarResult = { files: [], filesWritten: 0, count: targets.length + skipped.length, skipped };
  const plans: Plan[] = [];
  let unchanged = 0;
  let absent = 0;
  let kept = 0;
  await inLanes(
    8,
    targets,
    async ({ file, edit }) => {
      const plan = await planOne(file, edit);
      if (plan === 'absent') absent++;
      else if (plan === 'unchanged') unchanged++;
      else if ('reason' in plan) skipped.push({ file, reason: plan.reason });
      else if (plan.action !== 'new' && opts.keepExisting) kept++;
      else plans.push(plan);
    },
    opts.signal,
  );
  result.count -= absent;
  const byName = (a: Plan, b: Plan) => a.file.localeCompare(b.file);
  const replacing = plans.filter((x) => x.action === 'replace').sort(byName);
  const merging = plans.filter((x) => x.action === 'merge').sort(byName);
  if ((replacing.length || merging.length) && !opts.overwrite) {
    // Asking is part of the flow: nothing is written until the user confirms, naming the files.
    const names = (list: Plan[]) => list.slice(0, FEW).map((x) => x.file);
    return {
      files: [],
      filesWritten: 0,
      count: result.count,
      skipped: [],
      exists: (replacing[0] ?? merging[0]).file,
      replace: { count: replacing.length, files: names(replacing), newFiles: plans.length - replacing.length - merging.length },
      ...(merging.length ? { merge: { count: merging.length, files: names(merging) } } : {}),
    };
  }
  await removeStaleTemps(new Set(plans.map((x) => path.dirname(x.file))));
  await apply(plans, result, opts.signal);
  if (unchanged) result.unchanged = unchanged;
  if (kept) result.kept = kept;
  result.files.sort((a, b) => a.localeCompare(b));
  result.skipped.sort((a, b) => a.file.localeCompare(b.file));
  return result;
}

/** Writes (or merges) each poster's genres into `<image>.<ext>.xmp` or `<basename>.xmp`. */
export async function writeXmpSidecars(runId: number, posters: readonly SidecarPoster[], opts: SidecarOptions = {}): Promise<SidecarResult> {
  const naming = opts.naming ?? 'image-ext';
  const shared = sharedSidecars(posters, naming);
  const skipped = [...shared].map(([file, images]) => ({
    file,
    reason: `${images.map((i) => path.basename(i)).join(' and ')} would share this sidecar; use <image>.<ext>.xmp naming`,
  }));
  const date = new Date().toISOString();
  const targets = posters
    .filter((p) => !shared.has(sidecarPath(p.path, naming)))
    .map((p) => {
      const want = keywordsFor(p.tags, opts);
      // No genres and no sidecar: nothing to write (an empty sidecar would only be clutter).
      const edit = (existing: string | null) => (existing === null && !p.tags.length ? null : mergeKeywords(existing, want, runId, date));
      return { file: sidecarPath(p.path, naming), edit };
    });
  return run(targets, skipped, opts);
}

/** Takes Poster Tagger's keywords out of the images' sidecars (either naming); sidecars it created and nobody added to are deleted. */
export async function removeXmpKeywords(images: readonly string[], opts: Pick<SidecarOptions, 'overwrite' | 'signal'> = {}): Promise<SidecarResult> {
  const files = [...new Set(images.flatMap(sidecarPaths))];
  const targets = files.map((file) => ({ file, edit: (existing: string | null) => (existing === null ? null : removeKeywords(existing)) }));
  // count: the sidecars there are (unchanged: those without keywords of ours).
  return run(targets, [], opts);
}
