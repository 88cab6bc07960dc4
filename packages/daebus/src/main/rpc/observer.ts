/** How a request the dispatcher took in ended. */
export type ActionOutcome = 'ok' | 'error' | 'busy';

/**
 * Told of every request's end, for metrics. Called on the hot path: it must be cheap and must
 * not throw (the dispatcher does not guard it).
 */
export interface ActionObserver {
  /** A request of a registered action ended: answered (`ok`/`error`) after `seconds`, or turned away `busy`. */
  settled(action: string, outcome: ActionOutcome, seconds: number): void;
  /** A message refused before any action ran (bad request, unknown action, too large), by error code. */
  rejected(code: string): void;
}
