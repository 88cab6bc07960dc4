/** A stream entry as ioredis returns it: its id and its fields as name, value, name, value... */
export type Entry = [id: string, fields: string[] | null];

export function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i < fields.length - 1; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/**
 * `fields` with the timeout `t` counted from now: appended again, an entry keeps its caller's
 * deadline rather than getting a new one. Undefined once that deadline passed.
 */
export function withTimeLeft(entryId: string, fields: string[], now: number): string[] | undefined {
  for (let i = 0; i < fields.length - 1; i += 2) {
    const timeoutMs = Number(fields[i + 1]);
    if (fields[i] !== 't' || !(timeoutMs > 0)) continue;
    const left = Number(entryId.split('-')[0]) + timeoutMs - now;
    if (left <= 0) return undefined;
    const kept = [...fields];
    kept[i + 1] = String(Math.ceil(left));
    return kept;
  }
  return fields;
}

/**
 * What the log says of an entry claimed from a replica that stopped answering for it (delivery
 * 2 and on): taken over to run again, or dropped unrun once its caller's timeout had passed.
 */
export function takenOver(entryId: string, delivery: number, expired: boolean): string {
  return expired
    ? `Dropped request ${entryId} unrun: taken over from a replica that stopped answering for it (delivery ${delivery}) after its caller's timeout had passed`
    : `Took over request ${entryId} from a replica that stopped answering for it (delivery ${delivery})`;
}
