export type ToastKind = 'info' | 'success' | 'error';

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
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

  show(kind: ToastKind, message: string): number {
    // The same message twice in a row (a double click) is shown once.
    const same = this.#list.find((t) => t.kind === kind && t.message === message);
    if (same) this.dismiss(same.id);
    const id = this.#next++;
    this.#list = [...this.#list, { id, kind, message }].slice(-5);
    if (kind !== 'error') setTimeout(() => this.dismiss(id), FADE_MS);
    return id;
  }
  info(message: string) {
    return this.show('info', message);
  }
  success(message: string) {
    return this.show('success', message);
  }
  error(message: string) {
    return this.show('error', message);
  }
  dismiss(id: number) {
    this.#list = this.#list.filter((t) => t.id !== id);
  }
  clear() {
    this.#list = [];
  }
}

export const toasts = new ToastManager();
