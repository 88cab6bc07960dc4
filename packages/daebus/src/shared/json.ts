/** JSON helpers used on both sides of the thread boundary. */

/** `JSON.stringify` that never throws: for log lines and error messages, not for the wire. */
export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
