import { ErrorCodes } from '../../shared/errors';
import type { SocketClient } from './socket-client';
import { errorFrame, messageId, typeOf } from './socket-envelope';

/**
 * A stop's drain ended with `client` still busy: the message in hand is answered STOPPED (its
 * handler's answer, should it still come, is dropped: the connection closes now), so are those
 * waiting behind it, and each is counted as an error under its type (`count`; the one in hand
 * with how long the drain waited for it). Before, none of them was counted, or the one in hand
 * counted "ok" when its handler ended after the stop.
 */
export function giveUp(
  client: SocketClient,
  texts: { gaveUp: string; refusal: string },
  drainedMs: number,
  count: (type: string | undefined, seconds: number) => void,
): void {
  if (client.handling !== undefined) {
    client.send(errorFrame(texts.gaveUp, ErrorCodes.STOPPED, { id: client.handlingId }));
    client.givenUp = true;
    count(client.handling, drainedMs / 1000);
  }
  const stopped = (raw: string): string => errorFrame(texts.refusal, ErrorCodes.STOPPED, { id: messageId(raw) });
  for (const raw of client.refuseWaiting(stopped)) count(typeOf(raw), 0);
}
