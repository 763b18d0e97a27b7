// Exposes exactly the contract's calls and events to the page; never ipcRenderer itself. The names come
// from the main process, so this sandboxed script bundles nothing but 'electron' (no schemas, no Node modules).
import { contextBridge, ipcRenderer } from 'electron';
import type { CallName, EventName } from '../contract';
import { CONTRACT_NAMES_CHANNEL } from './channels';

const names = ipcRenderer.sendSync(CONTRACT_NAMES_CHANNEL) as { calls: CallName[]; events: EventName[] };
const calls = Object.fromEntries(names.calls.map((name) => [name, (input: unknown) => ipcRenderer.invoke(name, input)]));
const known = new Set<string>(names.events);

contextBridge.exposeInMainWorld('posterTagger', {
  calls,
  on(event: string, listener: (payload: unknown) => void): () => void {
    if (!known.has(event)) throw new Error(`Unknown event "${event}"`);
    const wrapped = (_e: unknown, name: string, payload: unknown) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on('event', wrapped);
    return () => ipcRenderer.off('event', wrapped);
  },
  mediaScheme: 'poster-media',
});
