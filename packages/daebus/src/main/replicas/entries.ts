/** A stream entry as ioredis returns it: its id and its fields as name, value, name, value... */
export type Entry = [id: string, fields: string[] | null];

export function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i < fields.length - 1; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/**
 * The fields of an entry appended again (handed back, not run here): its timeout `t` counted from
 * now, so that it keeps its caller's deadline rather than getting a new one, and `p`, the
 * deliveries before the one handing it back (which may have run it, and died). Undefined once
 * the deadline passed.
 */
export function handedBack(entryId: string, fields: string[], now: number, earlier: number): string[] | undefined {
  const kept: string[] = [];
  for (let i = 0; i < fields.length - 1; i += 2) {
    const [name, value] = [fields[i] as string, fields[i + 1] as string];
    if (name === 'p') continue;
    const timeoutMs = Number(value);
    if (name !== 't' || !(timeoutMs > 0)) {
      kept.push(name, value);
      continue;
    }
    const left = Number(entryId.split('-')[0]) + timeoutMs - now;
    if (left <= 0) return undefined;
    kept.push(name, String(Math.ceil(left)));
  }
  if (earlier > 0) kept.push('p', String(earlier));
  return kept;
}

/** The action and request id of a request's text, as its log lines carry them (none it does not have, or text that is not JSON). */
export function requestLabels(raw: string): { action?: string; request_id?: string } {
  let request: unknown;
  try {
    request = JSON.parse(raw);
  } catch {
    return {};
  }
  if (request === null || typeof request !== 'object') return {};
  const { action, request_id: requestId } = request as Record<string, unknown>;
  return {
    ...(typeof action === 'string' ? { action } : {}),
    ...(typeof requestId === 'string' || typeof requestId === 'number' ? { request_id: String(requestId) } : {}),
  };
}

/**
 * What the log says of an entry claimed from a replica that stopped answering for it (delivery
 * 2 and on): taken over to run again, or dropped unrun once its caller's timeout had passed. With
 * the request's action and id, so that its line meets its handler's and its caller's.
 */
export function takenOver(entryId: string, delivery: number, expired: boolean, labels: { action?: string; request_id?: string }): string {
  const what = `request ${entryId}${labels.action === undefined ? '' : ` (action "${labels.action}"${labels.request_id === undefined ? '' : `, request_id ${labels.request_id}`})`}`;
  return expired
    ? `Dropped ${what} unrun: taken over from a replica that stopped answering for it (delivery ${delivery}) after its caller's timeout had passed`
    : `Took over ${what} from a replica that stopped answering for it (delivery ${delivery})`;
}
