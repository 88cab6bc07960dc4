/** JSON helpers used on both sides of the thread boundary. */

/** `JSON.stringify` that never throws: for log lines and error messages, not for the wire. */
export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return '[a value that cannot be read]'; // a revoked Proxy
    }
  }
}
