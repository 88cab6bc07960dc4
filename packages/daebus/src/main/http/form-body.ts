import type { FastifyInstance } from 'fastify';
import { protoFieldMessage } from '../rpc/prototype-keys';

/**
 * Read `application/x-www-form-urlencoded` bodies: a field given more than once has a list of
 * values; an empty form is no body (the payload is then the query, as with Python Daebus); a
 * field named `__proto__` is refused with 400, as in a JSON body or the query.
 */
export function readFormBodies(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    const form = parseForm(text);
    if (form === undefined) done(Object.assign(new Error(protoFieldMessage('form body')), { statusCode: 400 }), undefined);
    else done(null, form);
  });
}

/** A form body's fields, names kept as plain data; undefined when one is named `__proto__`. */
function parseForm(body: string): Record<string, string | string[]> | undefined {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    if (key === '__proto__') return undefined;
    const before = Object.hasOwn(out, key) ? out[key] : undefined;
    const next = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
    Object.defineProperty(out, key, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
