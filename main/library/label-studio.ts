/**
 * Label Studio's JSON, for image classification with multiple choices (docs: "Label Studio JSON format of
 * annotated tasks", "Import pre-annotated data"). A task is `{ data: { image, … }, annotations: [{ result:
 * [{ from_name, to_name, type: 'choices', value: { choices: [...] } }] }] }`; an export is a list of such
 * tasks with ids, dates and possibly several (or cancelled) annotations each.
 */
import { z } from 'zod';

/** The names our labeling config uses: <Image name="image"> and <Choices name="genre">. */
export const LS_IMAGE = 'image';
export const LS_CHOICES = 'genre';

/** Local files served by Label Studio (LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED, documented root). */
export const LS_LOCAL_FILES = '/data/local-files/?d=';

export interface LsPoster {
  /** Path relative to the library root, with forward slashes. */
  relPath: string;
  posterId: string;
  split: string | null;
  /** null: not labelled (a task to label); [] labelled with no genre. */
  genres: string[] | null;
}

/** The labeling config for these genres, to paste into the Label Studio project's settings. */
export function labelConfig(genres: readonly string[]): string {
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return [
    '<View>',
    `  <Image name="${LS_IMAGE}" value="$image"/>`,
    `  <Choices name="${LS_CHOICES}" toName="${LS_IMAGE}" choice="multiple" showInline="true">`,
    ...genres.map((g) => `    <Choice value="${escape(g)}"/>`),
    '  </Choices>',
    '</View>',
  ].join('\n');
}

/** Import tasks: labelled posters carry their genres as an annotation, unlabelled ones are tasks to label. */
export function labelStudioTasks(posters: readonly LsPoster[], imagePrefix = LS_LOCAL_FILES): unknown[] {
  return posters.map((p) => ({
    data: {
      image: `${imagePrefix}${p.relPath.split('/').map(encodeURIComponent).join('/')}`,
      poster_id: p.posterId,
      path: p.relPath,
      ...(p.split ? { split: p.split } : {}),
    },
    ...(p.genres
      ? {
          annotations: [{ result: p.genres.length ? [{ from_name: LS_CHOICES, to_name: LS_IMAGE, type: 'choices', value: { choices: p.genres } }] : [] }],
        }
      : {}),
  }));
}

const resultItem = z.looseObject({
  type: z.string().optional(),
  from_name: z.string().optional(),
  value: z.looseObject({ choices: z.array(z.string()).optional() }).optional(),
});
const annotation = z.looseObject({
  result: z.array(resultItem).default([]),
  was_cancelled: z.boolean().optional(),
  updated_at: z.string().optional(),
  created_at: z.string().optional(),
});
const task = z.looseObject({ id: z.unknown().optional(), data: z.record(z.string(), z.unknown()), annotations: z.array(annotation).optional() });

export interface LsLabel {
  /** Where the task's image is: every reference that can match a poster (poster_id, path, image URL). */
  keys: string[];
  genres: string[];
  /** A readable name for messages. */
  name: string;
}

/** The latest annotation that was not cancelled (Label Studio keeps every annotator's). */
function latest(annotations: readonly z.infer<typeof annotation>[]): z.infer<typeof annotation> | undefined {
  const kept = annotations.filter((a) => !a.was_cancelled);
  return kept.reduce<z.infer<typeof annotation> | undefined>(
    (best, a) => (!best || (a.updated_at ?? a.created_at ?? '') >= (best.updated_at ?? best.created_at ?? '') ? a : best),
    undefined,
  );
}

/** The candidate keys of an image reference: the local-files path, the URL's file name, an upload's name without its prefix. */
export function imageKeys(ref: string): string[] {
  const keys = new Set<string>();
  const localRaw = /[?&]d=([^&#]+)/.exec(ref)?.[1];
  const local = localRaw === undefined ? undefined : decoded(localRaw.replace(/\+/g, ' ')).replace(/\\/g, '/');
  if (local) keys.add(local);
  const base = (local ?? decoded(ref.split(/[?#]/)[0])).split(/[\\/]/).pop() ?? '';
  if (base) keys.add(base);
  // Uploaded files are renamed "<8 hex>-<original name>".
  const upload = /^[0-9a-f]{8}-(.+)$/.exec(base)?.[1];
  if (upload) keys.add(upload);
  return [...keys];
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // not URL-encoded
  }
}

/** The labels of a Label Studio JSON export: one per task with an annotation; tasks without one are counted. */
export function parseLabelStudioExport(json: unknown): { labels: LsLabel[]; unannotated: number } {
  if (!Array.isArray(json)) throw new Error('not a Label Studio JSON export (expected a list of tasks; JSON-MIN and CSV exports are not read, choose "JSON")');
  const labels: LsLabel[] = [];
  let unannotated = 0;
  json.forEach((raw, i) => {
    const parsed = task.safeParse(raw);
    if (!parsed.success) throw new Error(`task ${i + 1} is not a Label Studio task (it needs "data"; JSON-MIN exports are not read, choose "JSON")`);
    const t = parsed.data;
    const chosen = latest(t.annotations ?? []);
    if (!chosen) {
      unannotated++;
      return;
    }
    const genres = [...new Set(chosen.result.filter((r) => r.type === 'choices').flatMap((r) => r.value?.choices ?? []))];
    const image =
      typeof t.data[LS_IMAGE] === 'string' ? (t.data[LS_IMAGE] as string) : (Object.values(t.data).find((v) => typeof v === 'string') as string | undefined);
    const keys = [
      ...(typeof t.data.poster_id === 'string' ? [`id:${t.data.poster_id}`] : []),
      ...(typeof t.data.path === 'string' ? [t.data.path] : []),
      ...(image ? imageKeys(image) : []),
    ];
    labels.push({ keys, genres, name: image ?? `task ${String(t.id ?? i + 1)}` });
  });
  return { labels, unannotated };
}
