import type { CallOutput } from '../../../../contract';
import { call } from '../api/client';
import { errorMessage, plural } from '../format';
import { changeLabels } from '../components/gallery/label-actions';
import { undo } from './undo.svelte';
import { jobs } from './jobs.svelte';
import { toasts } from './toasts.svelte';
import { router } from './router.svelte';
import { libraries } from './libraries.svelte';

type Queue = CallOutput<'loop:next'>;
type Item = Queue['items'][number];

const SCOPE = 'label-next';

/**
 * The focused labelling view's state: the label-next queue of one library (loop:next), the poster shown,
 * the genres marked on it (the model's suggestions to start with), what this session labelled, and a
 * retrain started from here. Accepting saves the labels at once through the gallery's undoable label
 * actions, so Ctrl/⌘+Z here and in the gallery undo the same steps; undo here also steps back to the poster.
 */
class LabelQueueManager {
  #libraryId = $state<number | undefined>(undefined);
  #queue = $state.raw<Queue | undefined>(undefined);
  #at = $state(0);
  #marked = $state.raw<string[]>([]);
  #loading = $state(false);
  #error = $state('');
  #labelled = $state(0);
  /** Positions of accepted posters, newest last, for undo to step back to. */
  #history: number[] = [];
  #retrainJob = $state<string | undefined>(undefined);
  #retrainRun = $state<number | undefined>(undefined);
  #previousRun = $state<number | undefined>(undefined);
  /** The run promoted here and the tagging model it replaced (for the re-tag offer). */
  #promoted = $state.raw<{ runId: number; fromRunId: number | null } | undefined>(undefined);

  constructor() {
    // Opening the view ranks the library shown in the gallery (again when it changed since).
    router.onChange((route) => {
      const id = libraries.currentId;
      if (route.view === 'label' && id !== undefined && (id !== this.#libraryId || !this.#queue)) void this.open(id);
    });
  }

  get libraryId() {
    return this.#libraryId;
  }
  get queue() {
    return this.#queue;
  }
  get current(): Item | undefined {
    return this.#queue?.items[this.#at];
  }
  get position() {
    return this.#at;
  }
  get marked() {
    return this.#marked;
  }
  get loading() {
    return this.#loading;
  }
  get error() {
    return this.#error;
  }
  get labelledThisSession() {
    return this.#labelled;
  }
  get genres(): string[] {
    return this.#queue?.genres ?? [];
  }
  /** The retraining started here, while it runs or once it ended. */
  get retrain() {
    return jobs.get(this.#retrainJob);
  }
  get retrainRunId() {
    return this.#retrainRun;
  }
  get previousRunId() {
    return this.#previousRun;
  }
  get promoted() {
    return this.#promoted;
  }

  async open(libraryId: number) {
    this.#libraryId = libraryId;
    await this.reload();
  }

  async reload() {
    if (this.#libraryId === undefined) return;
    this.#loading = true;
    this.#error = '';
    try {
      this.#queue = await call('loop:next', { libraryIds: [this.#libraryId], limit: 50 });
      this.#at = 0;
      this.#history = [];
      this.#markCurrent();
    } catch (err) {
      this.#queue = undefined;
      this.#error = errorMessage(err);
    } finally {
      this.#loading = false;
    }
  }

  #markCurrent() {
    this.#marked = [...(this.current?.suggested ?? [])];
  }

  toggle(genre: string) {
    this.#marked = this.#marked.includes(genre) ? this.#marked.filter((g) => g !== genre) : [...this.#marked, genre];
  }

  /** Enter: the marked genres become the poster's labels; the next poster is shown. */
  async accept() {
    const item = this.current;
    if (!item || this.#libraryId === undefined) return;
    const genres = this.genres.filter((g) => this.#marked.includes(g));
    try {
      // A model's genre the library does not list yet (a plain folder) is added to its vocabulary first.
      const known = new Set((await call('genres:list', { libraryId: this.#libraryId })).genres.map((g) => g.name.toLowerCase()));
      for (const g of genres) if (!known.has(g.toLowerCase())) await call('genres:add', { libraryId: this.#libraryId, name: g });
      await changeLabels([item.imageId], `Labelled ${item.posterId}`, () => call('posters:setLabels', { id: item.imageId, genres }));
    } catch (err) {
      toasts.error(`Could not label ${item.posterId}: ${errorMessage(err)}`, { scope: SCOPE });
      return;
    }
    this.#labelled++;
    this.#history.push(this.#at);
    this.#step();
  }

  /** Backspace: leave this poster unlabelled for now. */
  skip() {
    this.#step();
  }

  #step() {
    this.#at = Math.min(this.#at + 1, this.#queue?.items.length ?? 0);
    this.#markCurrent();
  }

  /** Ctrl/⌘+Z: the last labelling is undone (its labels restored exactly) and its poster shown again. */
  async undo() {
    const back = this.#history.pop();
    if (back === undefined) return;
    await undo.undo();
    this.#labelled = Math.max(0, this.#labelled - 1);
    this.#at = back;
    this.#markCurrent();
  }

  /** Retrain now: a new run on the library with the queue's model's backbone (cached embeddings: seconds). */
  async retrainNow() {
    if (this.#libraryId === undefined) return;
    try {
      this.#previousRun = this.#queue?.runId;
      const backbone = this.#queue?.backbone;
      const r = await call('train:start', { libraryId: this.#libraryId, ...(backbone ? { backbone } : {}) });
      this.#retrainJob = r.job.id;
      this.#retrainRun = r.runId;
      this.#promoted = undefined;
    } catch (err) {
      toasts.error(`Could not retrain: ${errorMessage(err)}`, { scope: SCOPE });
    }
  }

  /** Makes the retrained run the tagging model (the default of Tag and Try it) and ranks the queue with it. */
  async promote() {
    const runId = this.#retrainRun;
    if (runId === undefined) return;
    await call('runs:prefer', { runId });
    // The model that ranked the queue is what the libraries were tagged with; else the one Tag would use without it.
    const replaced = this.#previousRun ?? (await call('runs:default', { without: runId }))?.runId;
    this.#promoted = { runId, fromRunId: replaced !== undefined && replaced !== runId ? replaced : null };
    toasts.success(`Run #${this.#retrainRun} is now the model Tag and Try it use.`, { scope: SCOPE });
    await this.reload();
  }

  get sessionLabel() {
    return `${plural(this.#labelled, 'poster')} labelled this session`;
  }
}

export const labelQueue = new LabelQueueManager();
