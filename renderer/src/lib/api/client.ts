// The renderer's one way to the back end: the preload bridge in Electron, the local HTTP/WebSocket bridge
// in a browser. Both carry the same envelopes, so callers see the same results and errors.
import type { CallInput, CallName, CallOutput, EventName, EventPayload, PosterTaggerApi } from '../../../../contract';
import type { ApiErrorBody, Envelope } from '../../../../contract/errors';

export class ApiCallError extends Error {
  readonly code: string;
  readonly issues?: ApiErrorBody['issues'];
  constructor(body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiCallError';
    this.code = body.code;
    this.issues = body.issues;
  }
}

interface PreloadApi {
  calls: Record<string, (input: unknown) => Promise<Envelope<unknown>>>;
  on(event: string, listener: (payload: unknown) => void): () => void;
  mediaScheme: string;
}

declare global {
  interface Window {
    posterTagger?: PreloadApi;
  }
}

function unwrap<T>(env: Envelope<T>): T {
  if (env.ok) return env.result;
  throw new ApiCallError(env.error);
}

function preloadClient(p: PreloadApi): PosterTaggerApi {
  return {
    call: async (name, input) => unwrap(await p.calls[name](input)) as never,
    on: (event, listener) => p.on(event, listener as (x: unknown) => void),
    mediaUrl: (kind, id) => `${p.mediaScheme}://${kind}/${id}`,
  };
}

type Listener = (payload: unknown) => void;

function bridgeClient(): PosterTaggerApi {
  const listeners = new Map<string, Set<Listener>>();
  let socket: WebSocket | undefined;
  let retry = 500;

  function connect() {
    const url = new URL('api/events', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(url);
    socket.onopen = () => (retry = 500);
    socket.onmessage = (m) => {
      const { event, payload } = JSON.parse(String(m.data)) as { event: string; payload: unknown };
      listeners.get(event)?.forEach((l) => l(payload));
    };
    socket.onclose = () => {
      // The server restarted or the laptop slept: reconnect with backoff.
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10_000);
    };
  }
  connect();

  return {
    async call(name, input) {
      let res: Response;
      try {
        res = await fetch(`api/call/${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          credentials: 'same-origin',
          body: JSON.stringify({ input }),
        });
      } catch {
        throw new ApiCallError({ code: 'internal', message: 'The Poster Tagger server is not reachable. Is it still running?' });
      }
      const body = (await res.json().catch(() => undefined)) as Envelope<unknown> | undefined;
      if (!body) throw new ApiCallError({ code: 'internal', message: `The server answered ${res.status} without a result.` });
      return unwrap(body) as never;
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener as Listener);
      return () => set.delete(listener as Listener);
    },
    mediaUrl: (kind, id) => `media/${kind}/${id}`,
  };
}

export const api: PosterTaggerApi = typeof window !== 'undefined' && window.posterTagger ? preloadClient(window.posterTagger) : bridgeClient();

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- "{} extends X": X has no required field, so the input may be left out
export function call<K extends CallName>(name: K, ...input: {} extends CallInput<K> ? [CallInput<K>?] : [CallInput<K>]): Promise<CallOutput<K>> {
  return api.call(name, (input[0] ?? {}) as CallInput<K>);
}

export function on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  return api.on(event, listener);
}
