import { EventEmitter } from 'node:events';
import type { EventName, EventPayload } from '../../contract';

type Listener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/** Typed fan-out of the contract's events to every connected transport (IPC windows, WebSockets). */
export class EventBus {
  private emitter = new EventEmitter().setMaxListeners(0);
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.emitter.emit('event', event, payload);
  }
  /** Listens to every event; returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
