/** JSON helpers used on both sides of the thread boundary. */

/** What a log line shows for a value whose reading throws (a revoked Proxy, a getter that throws). */
export const UNREADABLE_VALUE = '[a value that cannot be read]';

/** `JSON.stringify` that never throws: for log lines and error messages, not for the wire. */
export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return UNREADABLE_VALUE; // a revoked Proxy
    }
  }
}
