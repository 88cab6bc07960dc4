// Keys that could change an object's prototype once a handler merges what arrived into an object
// (`Object.assign({}, data)` with a `__proto__` key sets the new object's prototype): refused in
// whatever arrives from outside (an action's payload, HTTP, WebSocket), as Fastify refuses them
// in a JSON body.

/**
 * Whether a parsed value holds a `__proto__` key or a `constructor` object with a `prototype`
 * key, anywhere: what Fastify's parser (secure-json-parse) refuses. A loop, not recursion: a
 * body may nest deeper than the stack. Only objects are queued (an array's items by index): a
 * payload of a million numbers took four times its parse when every value was.
 */
export function changesAPrototype(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const pending: object[] = [value];
  while (pending.length > 0) {
    const node = pending.pop() as Record<string, unknown>;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) queueObject(pending, node[i]);
      continue;
    }
    if (Object.hasOwn(node, '__proto__')) return true;
    const ctor = node.constructor;
    if (Object.hasOwn(node, 'constructor') && ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype')) return true;
    for (const key in node) queueObject(pending, node[key]);
  }
  return false;
}

function queueObject(pending: object[], value: unknown): void {
  if (value !== null && typeof value === 'object') pending.push(value);
}

/**
 * An escape of one of the letters of `__proto__` and `prototype` (p, r, o, t, y, e): a key spelling
 * either with an escaped letter must escape one of them. Escapes of other characters
 * (Python's json.dumps escapes every non-ASCII one) do not count.
 */
const ESCAPED_PROTO_LETTER = /\\u00(?:7[0249]|6[5fF])/;

/** "proto" as `__proto__` and `prototype` hold it: followed by an underscore (maybe escaped) or "type". */
const PROTO_KEY = /proto(?:_|\\u005[fF]|type)/;

/**
 * Whether JSON `text` may hold such a key: a cheap look before the walk of `changesAPrototype`
 * (an escaped key, `"\u005f_\u0070roto__"`, is read as the key it spells).
 */
export function mayChangeAPrototype(text: string): boolean {
  // the regular expressions only where "proto" or an escape is: they cost more than both looks (80 against 130 ns a
  // request); "proto" then "_" or "type" (`protocol` keys walked a 2.5 MB reply in full: 15% of its parse)
  return (text.includes('proto') && PROTO_KEY.test(text)) || (text.includes('\\u00') && ESCAPED_PROTO_LETTER.test(text));
}

/** The message for a query or form field named `__proto__`. */
export function protoFieldMessage(where: string): string {
  return `The ${where} has a field named "__proto__": refused, as such a key could change an object's prototype. Rename the field.`;
}
