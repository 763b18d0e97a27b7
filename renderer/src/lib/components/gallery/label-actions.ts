import { call } from '../../api/client';
import { plural } from '../../format';
import { chunks } from '../../managers/gallery.svelte';
import { undo } from '../../managers/undo.svelte';
import type { CallOutput, CallInput } from '../../../../../contract';

type LabelState = CallOutput<'posters:labelStates'>[number];

async function statesOf(ids: number[]): Promise<LabelState[]> {
  const out: LabelState[] = [];
  for (const part of chunks(ids)) out.push(...(await call('posters:labelStates', { ids: part })));
  return out;
}

async function restore(states: LabelState[]): Promise<void> {
  for (const part of chunks(states)) await call('posters:restoreLabels', { states: part });
}

/**
 * Runs a change of posters' labels and makes it undoable: the labels exactly as stored before and after
 * (with their sources) are kept, so undo and redo restore them rather than guess.
 */
export async function changeLabels<R>(ids: number[], label: string, change: () => Promise<R>): Promise<R> {
  const before = await statesOf(ids);
  const result = await change();
  const after = await statesOf(ids);
  undo.push({ label, undo: () => restore(before), redo: () => restore(after) });
  return result;
}

/** Sets one poster's genres (saved at once), undoably. */
export function setLabels(id: number, posterName: string, genres: string[], what: string) {
  return changeLabels([id], `${what} on ${posterName}`, () => call('posters:setLabels', { id, genres }));
}

/** Turns predicted tags into labels (many posters: in chunks the API accepts), undoably as one step. */
export function acceptPredictions(runId: number, imageIds: number[], label: string, genres?: string[]) {
  return changeLabels(imageIds, label, async () => {
    const total = { accepted: 0, labelsAdded: 0 };
    for (const part of chunks(imageIds)) {
      const r = await call('predictions:accept', { runId, imageIds: part, genres });
      total.accepted += r.accepted;
      total.labelsAdded += r.labelsAdded;
    }
    return total;
  });
}

/** Hides a predicted tag (or shows it again), undoably. */
export async function rejectPrediction(input: CallInput<'predictions:reject'>, posterName: string) {
  const r = await call('predictions:reject', input);
  const flip = (show: boolean) => async () => void (await call('predictions:reject', { ...input, undo: show }));
  const shown = Boolean(input.undo);
  undo.push({ label: `${shown ? 'Showed' : 'Rejected'} ${input.genre} on ${posterName}`, undo: flip(!shown), redo: flip(shown) });
  return r;
}

export const acceptedLabel = (n: number) => `Accepted predicted tags of ${plural(n, 'poster')}`;
