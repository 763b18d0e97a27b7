import type { CallInput, CallOutput } from '../../../../contract';
import { call, on } from '../api/client';
import type { EpochRow, RunSummary, TrainOptions } from '../types';
import { jobs } from './jobs.svelte';
import { toasts } from './toasts.svelte';

/**
 * Training state that outlives the Train view: the live run's epochs arrive as events whether or not the
 * panel is on screen, so coming back shows the current curves.
 */
class TrainingManager {
  options = $state<TrainOptions>();
  runs = $state.raw<RunSummary[]>([]);
  liveRunId = $state<number>();
  liveJobId = $state<string>();
  liveHistory = $state.raw<EpochRow[]>([]);
  liveEpochs = $state(0);
  /**
   * The model Tag and Try it use when none is picked (the run marked as default, else the latest finished
   * run) and why, e.g. "Model: #12 — latest finished run". null when no run has a model.
   */
  defaultModel = $state.raw<CallOutput<'runs:default'>>(null);

  constructor() {
    on('train:epoch', ({ runId, epoch, epochs }) => {
      if (runId !== this.liveRunId) return;
      this.liveEpochs = epochs;
      this.liveHistory = [...this.liveHistory.filter((e) => e.epoch !== epoch.epoch), epoch];
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    on('run:update', () => {
      clearTimeout(timer);
      timer = setTimeout(() => void this.refreshRuns(), 200);
    });
    void this.refreshRuns();
    void this.refreshOptions();
    // A backbone download finishing makes it available.
    on('job:update', (j) => {
      if (j.kind === 'download' && j.status === 'done') void this.refreshOptions();
    });
  }

  async refreshOptions() {
    try {
      this.options = await call('train:options');
    } catch (err) {
      toasts.error(`Could not load the training options: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * The live run's job. After a reload the page knows the run (runs:list) before its job: the job is
   * found by its title in the jobs list (a training job's result, which names the run, only comes at the end).
   */
  get liveJob() {
    const byId = jobs.get(this.liveJobId);
    if (byId) return byId;
    const title = this.liveRunId === undefined ? undefined : `Training run #${this.liveRunId}`;
    return title ? jobs.all.find((j) => j.kind === 'train' && j.title === title) : undefined;
  }
  get liveRun() {
    return this.runs.find((r) => r.id === this.liveRunId);
  }

  async refreshRuns() {
    try {
      const [runs, defaultModel] = await Promise.all([call('runs:list'), call('runs:default', {})]);
      this.runs = runs;
      this.defaultModel = defaultModel;
      // After a reload, adopt a run that is still training so its curves keep updating here.
      const running = this.runs.find((r) => r.status === 'running') ?? this.runs.find((r) => r.status === 'queued');
      if (running && this.liveRunId === undefined) await this.watch(running.id);
    } catch (err) {
      toasts.error(`Could not load the runs: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async watch(runId: number) {
    this.liveRunId = runId;
    const detail = await call('runs:get', { id: runId });
    this.liveHistory = detail.history;
    this.liveEpochs = Number(detail.config.epochs ?? detail.history.length);
    this.liveJobId = jobs.all.find(
      (j) => j.kind === 'train' && ((j.result as { runId?: number } | undefined)?.runId === runId || j.title === `Training run #${runId}`),
    )?.id;
  }

  async start(request: CallInput<'train:start'>) {
    const r = await call('train:start', request);
    this.liveRunId = r.runId;
    this.liveJobId = r.job.id;
    this.liveHistory = [];
    this.liveEpochs = request.epochs ?? 0;
    await this.refreshRuns();
    return r;
  }

  /** Marks a run as the default model (or unmarks it). */
  async prefer(runId: number, preferred = true) {
    await call('runs:prefer', { runId, preferred });
    await this.refreshRuns();
  }

  /** Saves a run's tagging settings; its stored predictions are re-tagged by the back end. */
  async setTagging(input: CallInput<'runs:setTagging'>) {
    const r = await call('runs:setTagging', input);
    this.runs = this.runs.map((run) => (run.id === r.runId ? { ...run, tagging: r.tagging } : run));
    return r;
  }

  async resetThresholds(runId: number) {
    const r = await call('runs:resetThresholds', { runId });
    this.runs = this.runs.map((run) => (run.id === r.runId ? { ...run, tagging: r.tagging } : run));
    return r;
  }

  async cancel() {
    const id = this.liveJob?.id;
    if (id) await call('jobs:cancel', { id });
  }
}

export const training = new TrainingManager();
