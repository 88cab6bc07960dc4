import { clippedList } from '../../shared/clipped';
import { waitText } from '../ops/units';
import type { Logger } from '../support/logger';

/**
 * What an HTTP stop gave up on: the requests answered 503 ("GET /slow x2"), the WebSocket messages
 * whose handlers still ran ('"slow" (client user_...)'), and the clients whose disconnect hooks still run.
 */
export interface HttpLeft {
  readonly requests: string[];
  readonly messages: string[];
  readonly hooks: string[];
}

/** Log stopWaitLine's line, when there is work in hand. */
export function sayStopWait(logger: Logger, ...args: Parameters<typeof stopWaitLine>): void {
  const line = stopWaitLine(...args);
  if (line !== undefined) logger.info(line);
}

/**
 * The line a stop with work in hand logs as it begins: what it waits for, and how long ('Waiting
 * up to 10 s for 2 HTTP request(s): GET /slow x2, and 1 WebSocket message(s): "slow" (client
 * ...)'); undefined when nothing is in hand. (Before: the requests' line came only once the
 * WebSocket messages had drained, with what time was left, and the messages had none.)
 */
export function stopWaitLine(drainMs: number, requests: { count: number; routes: string[] }, messages: string[]): string | undefined {
  const parts = [
    requests.count > 0 ? `${requests.count} HTTP request(s): ${requests.routes.join(', ')}` : '',
    messages.length > 0 ? `${messages.length} WebSocket message(s): ${clippedList(messages)}` : '',
  ].filter(Boolean);
  return parts.length === 0 ? undefined : `Waiting up to ${waitText(drainMs)} for ${parts.join(', and ')}`;
}

/** What a forced stop gave up on, for its line: the requests answered 503, then the WebSocket messages whose handlers still ran. */
export function forcedLeft(requests: string[], messages: string[]): string[] {
  return messages.length === 0 ? requests : [...requests, `WebSocket message(s) ${clippedList(messages)}`];
}
