import { copyProblem, notCloneable, tooDeep } from '../shared/cloneable';
import { DaebusError, ErrorCodes, toPlainError } from '../shared/errors';

/**
 * `value` as it can cross to the main thread while meaning the JSON it stands for, as an ordinary
 * action's reply does: a value holding functions, or a toJSON() (a Buffer, a class's instance),
 * becomes JSON's copy (structured clone would fail on a function and ignore what toJSON() says);
 * one nested deeper than the main thread can read back is NOT_CLONEABLE, one JSON refuses (a
 * BigInt, a cycle) BAD_RESPONSE, one structured clone refuses (a Promise, a Proxy, a WeakMap)
 * NOT_CLONEABLE: the port would throw as it sent it, and the call would never be answered.
 * A value with none of these goes as it is: no JSON for it.
 */
export function jsonCopy(value: unknown, what: string): { value: unknown } | { error: DaebusError } {
  const problem = copyProblem(value);
  if (problem === undefined) return { value };
  if (problem === 'deep') return { error: tooDeep(what, value) };
  if (problem === 'clone') {
    try {
      structuredClone(value);
      return { value };
    } catch (err) {
      return { error: notCloneable(what, err, value) };
    }
  }
  let json: string | undefined;
  try {
    // JSON would leave it out: the caller would read {} for a value the handler never meant to send
    if (typeof value === 'function' || typeof value === 'symbol') throw new TypeError(`a ${typeof value} is not JSON data`);
    json = JSON.stringify(value) as string | undefined;
  } catch (err) {
    const message = `The reply cannot be encoded as JSON (${toPlainError(err).message}); reply with plain JSON data.`;
    return { error: new DaebusError(ErrorCodes.BAD_RESPONSE, message) };
  }
  return { value: json === undefined ? undefined : (JSON.parse(json) as unknown) };
}
