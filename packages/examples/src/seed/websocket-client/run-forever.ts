// Thread side: the seed's ws.run_forever(), for a `ws` WebSocket: resolves when the connection
// has closed (after a failed connect too: `ws` emits 'error', then 'close'). A stop closes the
// connection, so the wait ends with it.
import type WebSocket from 'ws';

/** How long a closing handshake may take before the socket is dropped. */
const CLOSE_GRACE_MS = 1_000;

export function runForever(ws: WebSocket, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let grace: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      ws.close(1001, 'service stopping'); // 1001: going away
      grace = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
    };
    ws.once('close', () => {
      clearTimeout(grace);
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
