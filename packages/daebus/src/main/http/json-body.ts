import { isUtf8 } from 'node:buffer';
import type { FastifyBodyParser, FastifyInstance } from 'fastify';
import { NOT_JSON, parseWireJson } from '../../shared/python-json';
import { changesAPrototype } from '../rpc/prototype-keys';

/**
 * Read `application/json` bodies as Fastify does (its body limit, its errors, its refusal of
 * `__proto__` and `constructor.prototype` keys), and also with Python's NaN, Infinity and
 * -Infinity, which a Python client's json.dumps writes. Only a body Fastify refused is read again.
 */
export function readJsonBodies(app: FastifyInstance): void {
  const fastifyJson = app.getDefaultJsonParser('error', 'error');
  const parse: FastifyBodyParser<Buffer> = (req, body, done) => {
    // as over Redis: bytes that are not UTF-8 are refused, not read with U+FFFD in their place
    if (!isUtf8(body)) return done(notUtf8(), undefined);
    const text = body.toString();
    // no body under a JSON content-type (a client that always sets it): no data, as Python
    // Daebus reads it, not Fastify's 400
    if (text.trim() === '') return done(null, undefined);
    void fastifyJson(req, text, (err: Error | null, value?: unknown) => {
      if (!err) return done(null, value);
      if ((err as { code?: unknown }).code !== 'FST_ERR_CTP_INVALID_JSON_BODY') return done(err, undefined);
      const parsed = parseWireJson(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      if (parsed === NOT_JSON) return done(err, undefined);
      // valid JSON that Fastify refused for its keys: said so, not "not valid JSON"
      if (changesAPrototype(parsed)) return done(poisoned(err), undefined);
      done(null, parsed);
    });
  };
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parse);
  // the JSON types of APIs (application/vnd.api+json, application/problem+json) too
  app.addContentTypeParser(/^application\/[\w.+-]+\+json(\s*;|$)/i, { parseAs: 'buffer' }, parse);
}

/** The 400 for a JSON body whose bytes are not UTF-8. */
function notUtf8(): Error {
  return Object.assign(new Error('The JSON body is not valid UTF-8; send it encoded as UTF-8.'), {
    statusCode: 400,
    code: 'FST_ERR_CTP_INVALID_JSON_BODY',
  });
}

/** Fastify's 400 for a body with such keys, with a message that says why (its own says the JSON is not valid). */
function poisoned(err: Error): Error {
  return Object.assign(
    new Error(
      'The JSON body holds a "__proto__" key, or a "constructor" object with a "prototype" key: refused, as such keys could change an object\'s prototype. Rename the key.',
    ),
    { statusCode: 400, code: (err as { code?: unknown }).code },
  );
}
