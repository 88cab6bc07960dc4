import { DaebusError, ErrorCodes } from '../../shared/errors';

/**
 * Why replies have a size limit over Redis: Redis drops a subscriber whose output buffer passes
 * its pub/sub hard limit (`client-output-buffer-limit pubsub 32mb 8mb 60` by default). One reply
 * past it cut the caller's connection: that caller lost every reply it waited for, with no word
 * about size, and the service saw its publish succeed.
 */
const REDIS_LIMIT =
  'Redis drops a subscriber whose output buffer passes 32 MiB (by default; one message of about 28 MiB does), which would cut the caller off';

/**
 * The UTF-8 size of `text` when it is over `maxBytes`, else undefined. A string's length is a
 * lower bound of its size and a third of an upper bound, so only a text near or over the limit
 * is measured: the path every reply takes stays a comparison.
 */
export function sizeOver(text: string, maxBytes: number): number | undefined {
  if (text.length * 3 <= maxBytes) return undefined;
  const bytes = Buffer.byteLength(text);
  return bytes > maxBytes ? bytes : undefined;
}

/** The error a caller gets in place of a reply of `bytes` over `maxBytes` (maxReplyBytes). */
export function replyTooLarge(bytes: number, maxBytes: number, final: boolean): DaebusError {
  const what = final ? 'The reply' : 'A streamed update';
  return new DaebusError(
    ErrorCodes.PAYLOAD_TOO_LARGE,
    `${what} is ${size(bytes)}, over the service's maxReplyBytes of ${size(maxBytes)}, so it was not sent: ${REDIS_LIMIT}. ` +
      'Send large data another way (a key in app.cache, say) and reply with where to find it.',
  );
}

const size = (bytes: number): string => `${bytes} bytes (${(bytes / 1024 / 1024).toFixed(1)} MiB)`;
