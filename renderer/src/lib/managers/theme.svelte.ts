import { Persisted } from './persisted.svelte';

export type ThemeChoice = 'system' | 'light' | 'dark';
const CHOICES: ThemeChoice[] = ['system', 'light', 'dark'];

/** Light or dark: follows the operating system unless the user picked one (image review is done in the dark). */
class ThemeManager {
  #choice = new Persisted<ThemeChoice>('theme', 'system', (v): v is ThemeChoice => CHOICES.includes(v as ThemeChoice));
  #systemDark = $state(false);

  constructor() {
    const mq = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
    if (mq) {
      this.#systemDark = mq.matches;
      mq.addEventListener('change', (e) => {
        this.#systemDark = e.matches;
        this.#apply();
      });
    }
    this.#apply();
  }

  get choice(): ThemeChoice {
    return this.#choice.value;
  }
  set choice(c: ThemeChoice) {
    this.#choice.value = c;
    this.#apply();
  }
  /** The theme in effect. */
  get dark(): boolean {
    return this.#choice.value === 'dark' || (this.#choice.value === 'system' && this.#systemDark);
  }

  #apply() {
    if (typeof document !== 'undefined') document.documentElement.dataset.theme = this.dark ? 'dark' : 'light';
  }
}

export const theme = new ThemeManager();
