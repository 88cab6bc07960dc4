/**
 * What an HTTP stop gave up on: the requests answered 503 ("GET /slow x2"), the WebSocket messages
 * whose handlers still ran ('"slow" (client user_...)'), and the clients whose disconnect hooks still run.
 */
export interface HttpLeft {
  readonly requests: string[];
  readonly messages: string[];
  readonly hooks: string[];
}
