export type ToastKind = 'info' | 'success' | 'error';

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  /** What the toast is about ('library:3'): dismissScope removes them together (e.g. on a library switch). */
  scope?: string;
  /** A newer toast with the same key replaces this one (undo, redo: one toast, not a stack). */
  key?: string;
}

export interface ToastOptions {
  scope?: string;
  key?: string;
}

const FADE_MS = 6000;

/**
 * One place for status messages: they float above the views instead of pushing them down. Information
 * fades on its own; errors stay until dismissed, so none is missed.
 */
class ToastManager {
  #list = $state<Toast[]>([]);
  #next = 1;

  get list(): Toast[] {
    return this.#list;
  }

  show(kind: ToastKind, message: string, opts: ToastOptions = {}): number {
    // The same message twice in a row (a double click) is shown once; a toast with the same key is replaced.
    for (const t of this.#list.filter((t) => (t.kind === kind && t.message === message) || (opts.key !== undefined && t.key === opts.key))) this.dismiss(t.id);
    const id = this.#next++;
    const toast: Toast = { id, kind, message };
    if (opts.scope !== undefined) toast.scope = opts.scope;
    if (opts.key !== undefined) toast.key = opts.key;
    this.#list = [...this.#list, toast].slice(-5);
    if (kind !== 'error') setTimeout(() => this.dismiss(id), FADE_MS);
    return id;
  }
  info(message: string, opts?: ToastOptions) {
    return this.show('info', message, opts);
  }
  success(message: string, opts?: ToastOptions) {
    return this.show('success', message, opts);
  }
  error(message: string, opts?: ToastOptions) {
    return this.show('error', message, opts);
  }
  /** Removes every toast of a scope (a library that is no longer shown). */
  dismissScope(scope: string) {
    this.#list = this.#list.filter((t) => t.scope !== scope);
  }
  dismiss(id: number) {
    this.#list = this.#list.filter((t) => t.id !== id);
  }
  clear() {
    this.#list = [];
  }
}

export const toasts = new ToastManager();
