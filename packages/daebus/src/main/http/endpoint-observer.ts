/** How a WebSocket connection attempt ended: admitted, or turned away (too many clients, or the connect handler threw). */
export type SocketConnectionOutcome = 'accepted' | 'refused';

/**
 * Told of every HTTP answer and WebSocket message, for metrics. Called on the request path: it
 * must be cheap and must not throw.
 */
export interface EndpointObserver {
  /** An HTTP request was answered. `route` is the route's path pattern (`/orders/:id`); undefined when no route took it (a 404). */
  httpAnswered(method: string, route: string | undefined, status: number, seconds: number): void;
  socketConnection(outcome: SocketConnectionOutcome): void;
  /**
   * A client's message was handled. `type` is undefined when no handler could take it (not a
   * message, an unknown type, an event's name): a client's typo must not make a series of its own.
   */
  socketMessage(type: string | undefined, ok: boolean, seconds: number): void;
}
