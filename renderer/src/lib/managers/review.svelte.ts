/** "Review in the gallery" from the Tag view: the model whose predictions the gallery should show. */
export const reviewRequest = $state<{ runId: number | undefined }>({ runId: undefined });
