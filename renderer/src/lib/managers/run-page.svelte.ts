import { ApiCallError, call, on } from '../api/client';
import { errorMessage } from '../format';
import type { RunDetail } from '../types';
import { router, type Route } from './router.svelte';
import { toasts } from './toasts.svelte';
import { training } from './training.svelte';

/**
 * The run on the page at #/runs/<id>: loaded when the address names it, refreshed when the run changes
 * (an epoch of a live run, a status change), and the run it is compared with.
 */
class RunPageManager {
  #id = $state<number>();
  #detail = $state.raw<RunDetail>();
  #missing = $state(false);
  #compareWith = $state<number>();
  #other = $state.raw<RunDetail>();
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** The last route was a run page. */
  #shown = false;

  constructor() {
    router.onChange((route) => this.follow(route));
    this.follow(router.route);
    on('train:epoch', ({ runId }) => runId === this.#id && this.refreshSoon());
    on('run:update', ({ runId }) => runId === this.#id && this.refreshSoon());
  }

  get id() {
    return this.#id;
  }
  get detail() {
    return this.#detail;
  }
  /** The run is not there (deleted, or a stale link). */
  get missing() {
    return this.#missing;
  }
  get compareWith() {
    return this.#compareWith;
  }
  get other() {
    return this.#other;
  }

  /** Opening a run's page loads it afresh; moving between its tabs does not. */
  private follow(route: Route) {
    const onPage = route.view === 'runs' && route.runId !== undefined;
    if (onPage && (route.runId !== this.#id || !this.#shown)) this.open(route.runId);
    this.#shown = onPage;
  }

  open(id: number) {
    this.#id = id;
    this.#detail = undefined;
    this.#missing = false;
    this.compare(undefined);
    void this.load(id);
  }

  private async load(id: number) {
    try {
      const d = await call('runs:get', { id });
      if (id === this.#id) this.#detail = d;
    } catch (err) {
      if (id !== this.#id) return;
      if (err instanceof ApiCallError && err.code === 'not_found') this.#missing = true;
      else toasts.error(errorMessage(err));
    }
  }

  /** Epochs arrive several a second: one reload for a burst. */
  private refreshSoon() {
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = setTimeout(() => this.#id !== undefined && this.#detail && void this.load(this.#id), 150);
  }

  compare(id: number | undefined) {
    this.#compareWith = id;
    this.#other = undefined;
    if (id === undefined) return;
    call('runs:get', { id }).then(
      (d) => id === this.#compareWith && (this.#other = d),
      (e) => toasts.error(errorMessage(e)),
    );
  }

  /** Marks the shown run as the default model (or unmarks it). */
  async prefer(preferred: boolean) {
    const d = this.#detail;
    if (!d) return;
    await training.prefer(d.id, preferred);
    if (this.#detail?.id === d.id) this.#detail = { ...this.#detail, preferred };
  }

  async remove() {
    const d = this.#detail;
    if (!d) return;
    await call('runs:delete', { id: d.id });
    router.open('runs');
    this.#id = undefined;
    this.#detail = undefined;
    await training.refreshRuns();
  }
}

export const runPage = new RunPageManager();
