// Exposes exactly the contract's calls and events to the page; never ipcRenderer itself.
import { contextBridge, ipcRenderer } from 'electron';
import { callNames, eventNames } from '../main/api/contract';

const calls = Object.fromEntries(callNames.map((name) => [name, (input: unknown) => ipcRenderer.invoke(name, input)]));
const known = new Set<string>(eventNames);

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
