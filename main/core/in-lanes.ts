import { CancelledError } from './errors';

/**
 * Runs `work` over `list` with at most `lanes` items in flight (file I/O that the libuv pool overlaps),
 * in list order per lane; a cancelled signal stops before the next item.
 */
export async function inLanes<T>(lanes: number, list: readonly T[], work: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < list.length) {
      if (signal?.aborted) throw new CancelledError('Export cancelled');
      await work(list[next++]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, list.length) }, lane));
}
