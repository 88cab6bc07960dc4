/** The text of a caught value, as Python's f"{e}" gives it: an Error's message, or the value. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
