import { errorMessage } from '../format';
import { toasts } from './toasts.svelte';

/** One undoable change; both directions go through the API, so they are as durable as the change itself. */
export interface UndoEntry {
  /** What it did, in a few words: "Comedy on tt0000123", "Accepted tags of 12 posters". */
  label: string;
  undo: () => Promise<void>;
  redo: () => Promise<void>;
}

const LIMIT = 100;
/** The toast key of edits, undo and redo (bulk accept too): the newest replaces the previous one. */
export const EDIT_TOAST = 'gallery-edit';

/**
 * The gallery's undo and redo stacks (label edits, accept/reject of predictions, bulk accept). A new change
 * clears redo; switching libraries clears both (their entries would act on posters not shown).
 */
class UndoManager {
  #done = $state.raw<UndoEntry[]>([]);
  #undone = $state.raw<UndoEntry[]>([]);
  #busy = $state(false);
  /** The toast scope of the library the entries belong to (its toasts go when another library is shown). */
  scope: string | undefined;
  /** Called after an undo or redo, so views can refresh what they show. */
  onApplied: (() => void) | undefined;

  get canUndo() {
    return this.#done.length > 0 && !this.#busy;
  }
  get canRedo() {
    return this.#undone.length > 0 && !this.#busy;
  }
  get undoLabel(): string | undefined {
    return this.#done.at(-1)?.label;
  }
  get redoLabel(): string | undefined {
    return this.#undone.at(-1)?.label;
  }

  push(entry: UndoEntry) {
    this.#done = [...this.#done, entry].slice(-LIMIT);
    this.#undone = [];
  }

  clear() {
    this.#done = [];
    this.#undone = [];
  }

  async undo() {
    const entry = this.#done.at(-1);
    if (!entry || this.#busy) return;
    await this.#apply(entry, 'undo');
  }

  async redo() {
    const entry = this.#undone.at(-1);
    if (!entry || this.#busy) return;
    await this.#apply(entry, 'redo');
  }

  async #apply(entry: UndoEntry, way: 'undo' | 'redo') {
    this.#busy = true;
    try {
      await entry[way]();
      if (way === 'undo') {
        this.#done = this.#done.slice(0, -1);
        this.#undone = [...this.#undone, entry];
      } else {
        this.#undone = this.#undone.slice(0, -1);
        this.#done = [...this.#done, entry];
      }
      // One toast for the latest edit, undo or redo: each replaces the one before instead of stacking.
      toasts.info(`${way === 'undo' ? 'Undid' : 'Redid'}: ${entry.label}`, { scope: this.scope, key: EDIT_TOAST });
      this.onApplied?.();
    } catch (err) {
      // The entry stays where it was, so the user can try again.
      toasts.error(`Could not ${way} “${entry.label}”: ${errorMessage(err)}`, { scope: this.scope, key: EDIT_TOAST });
    } finally {
      this.#busy = false;
    }
  }
}

export const undo = new UndoManager();
