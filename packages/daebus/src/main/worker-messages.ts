import { toPlainError } from '../shared/errors';
import type { ThreadToMain } from '../shared/protocol';
import type { Logger } from './logger';
import type { PortClient, StateStore } from './state/store';

/** What every worker's port needs on the main side: a log sink, the store, broadcasts. */
export interface WorkerServices {
  log: Logger;
  store: StateStore;
  broadcast(channel: string, payload: unknown): Promise<number>;
}

/**
 * Serve the messages every kind of worker sends (logs, shared state, broadcasts);
 * returns false for the ones its owner must handle itself (`ready`, `reply`, `progress`).
 */
export function serveWorkerMessage(message: ThreadToMain, client: PortClient, services: WorkerServices): boolean {
  switch (message.type) {
    case 'log':
      services.log.log(message.level, message.message, message.meta ?? {});
      return true;
    case 'state':
      services.store.serve(message.id, message.call, client);
      return true;
    case 'ack':
      client.ack(message.id);
      return true;
    case 'broadcast':
      services.broadcast(message.channel, message.payload).then(
        (value) => client.post({ type: 'state-result', id: message.id, ok: true, value }),
        (err: unknown) => client.post({ type: 'state-result', id: message.id, ok: false, error: toPlainError(err) }),
      );
      return true;
    case 'ready':
    case 'reply':
    case 'progress':
      return false;
  }
}
