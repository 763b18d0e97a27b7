/**
 * A value kept in localStorage, so a choice survives a reload (Electron and browser alike). Invalid or
 * outdated stored values fall back to the default instead of breaking the view.
 */
export class Persisted<T> {
  #key: string;
  #value = $state<T>() as T;

  constructor(key: string, fallback: T, valid: (v: unknown) => v is T = (v): v is T => typeof v === typeof fallback) {
    this.#key = `poster-tagger:${key}`;
    let initial = fallback;
    try {
      const raw = globalThis.localStorage?.getItem(this.#key);
      if (raw !== null && raw !== undefined) {
        const parsed: unknown = JSON.parse(raw);
        if (valid(parsed)) initial = parsed;
      }
    } catch {
      // Private mode or a hand-edited value: the default is the right answer.
    }
    this.#value = initial;
  }

  get value(): T {
    return this.#value;
  }
  set value(v: T) {
    this.#value = v;
    try {
      if (v === undefined) globalThis.localStorage?.removeItem(this.#key);
      else globalThis.localStorage?.setItem(this.#key, JSON.stringify(v));
    } catch {
      // Storage full or disabled: the choice still holds for this session.
    }
  }
}
