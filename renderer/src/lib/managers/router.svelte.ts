export type View = 'library' | 'label' | 'train' | 'runs' | 'tag' | 'try' | 'about';
export type RunTab = 'overview' | 'evaluation' | 'export';

export type Route = { view: Exclude<View, 'runs'> } | { view: 'runs'; runId?: undefined } | { view: 'runs'; runId: number; tab: RunTab };

const VIEWS: View[] = ['library', 'label', 'train', 'runs', 'tag', 'try', 'about'];
const TABS: RunTab[] = ['overview', 'evaluation', 'export'];

/** `#/runs/4/evaluation` ⇄ a route. Unknown hashes open the library. */
export function parseHash(hash: string): Route {
  const [view, id, tab] = hash.replace(/^#\/?/, '').split('/');
  if (view === 'runs' && id && /^\d+$/.test(id)) {
    return { view: 'runs', runId: Number(id), tab: TABS.includes(tab as RunTab) ? (tab as RunTab) : 'overview' };
  }
  return { view: VIEWS.includes(view as View) ? (view as View) : 'library' } as Route;
}

export function routeHash(route: Route): string {
  if (route.view === 'runs' && route.runId !== undefined) return `#/runs/${route.runId}${route.tab === 'overview' ? '' : `/${route.tab}`}`;
  return `#/${route.view}`;
}

/** The view in the address bar, so a run page can be bookmarked, reloaded and reached with Back. */
class Router {
  #route = $state<Route>(parseHash(typeof location === 'undefined' ? '' : location.hash));
  #listeners = new Set<(route: Route) => void>();

  constructor() {
    if (typeof window === 'undefined') return;
    window.addEventListener('hashchange', () => this.set(parseHash(location.hash)));
  }

  private set(route: Route) {
    this.#route = route;
    for (const l of this.#listeners) l(route);
  }

  /** Managers that load what a route shows (a run page) follow navigation here, not through effects. */
  onChange(listener: (route: Route) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get route(): Route {
    return this.#route;
  }
  get view(): View {
    return this.#route.view;
  }

  go(route: Route) {
    this.set(route);
    const hash = routeHash(route);
    if (typeof location !== 'undefined' && location.hash !== hash) location.hash = hash;
  }
  open(view: View) {
    this.go({ view } as Route);
  }
  openRun(runId: number, tab: RunTab = 'overview') {
    this.go({ view: 'runs', runId, tab });
  }
}

export const router = new Router();
