import { runThresholds } from './thresholds';

/**
 * The thresholds of the run `getRunId()` names, by genre, kept up to date as the run changes (empty
 * until loaded, or when it has none: the bars still show, only the marks are missing).
 */
export function watchRunThresholds(getRunId: () => number | undefined): { readonly byGenre: Record<string, number> } {
  const state = $state({ byGenre: {} as Record<string, number> });
  $effect(() => {
    const run = getRunId();
    state.byGenre = {};
    if (run === undefined) return;
    runThresholds(run).then(
      (t) => {
        if (run === getRunId()) state.byGenre = t;
      },
      () => undefined,
    );
  });
  return state;
}
