// HTTP routes on a real server (port 0) driven with fetch: handlers' answers, path syntax,
// payloads, the globals, bad input and its status codes, CORS, the pool, registration rules,
// start and stop.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Blueprint, DaebusError, DaebusHttp, request, response, logger, type HttpOptions } from 'daebus';
import { appPerTest } from '../support/app-per-test';
import { fixture, jobFinisher, waitFor } from '../support/helpers';
import { http } from '../support/http-client';

const t = appPerTest('http', { drainTimeoutMs: 2_000 });

/** The tags of the pooled calls that said they ran (fixture pooled.mjs, export logsAndWaits), in order. */
const ran = (): string[] => t.records.map((r) => /^pooled call (\w+) ran$/.exec(String(r.message))?.[1]).filter((tag) => tag !== undefined);
const LOCAL: HttpOptions = { port: 0, host: '127.0.0.1' };

async function start(options: HttpOptions = {}): Promise<string> {
  await t.start({ http: { ...LOCAL, ...options } });
  return t.app.http.url as string;
}

describe('HTTP routes', () => {
  it('log a local URL to use, and say when the server is bound to every interface', async () => {
    t.app.route('/hello', () => ({ hello: 'world' }));
    const url = await start({ host: '0.0.0.0' });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(t.records.map((r) => r.message)).toContain(`HTTP listening on ${url} (bound to 0.0.0.0: every interface)`);
    expect((await http(`${url}/hello`)).body).toEqual({ hello: 'world' });
  });

  it('are where daebus.info says the service answers HTTP (before: info did not say)', async () => {
    t.app.route('/a', () => 1).route('/b', () => 2);
    const url = await start();
    expect(await t.caller().sendRequest('daebus.info')).toMatchObject({ http: { url, routes: 2 } });
  });

  it('answer with a returned value, a [data, status] pair, response.send(data, status) and response.error', async () => {
    t.app
      .route('/hello', () => ({ hello: 'world' }))
      .route('/created', () => [{ id: 1 }, 201])
      .route('/sent', async () => {
        await response.send({ sent: true }, 202);
      })
      .route('/nothing', () => undefined)
      .route('/refused', () => response.error('no such thing'))
      .route('/gone', () => response.error(new Error('gone for good'), 410))
      .route('/taken', () => response.error(Object.assign(new Error('name taken'), { code: 'NAME_TAKEN' }), 409));
    const url = await start();
    const hello = await http(`${url}/hello`);
    expect(hello).toMatchObject({ status: 200, body: { hello: 'world' } });
    expect(hello.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await http(`${url}/created`)).toMatchObject({ status: 201, body: { id: 1 } });
    expect(await http(`${url}/sent`)).toMatchObject({ status: 202, body: { sent: true } });
    expect(await http(`${url}/nothing`)).toMatchObject({ status: 200, body: {} });
    // every error body has a code: the error's own, else HANDLER_ERROR (as for a thrown error)
    expect(await http(`${url}/refused`)).toMatchObject({ status: 400, body: { error: 'no such thing', code: 'HANDLER_ERROR' } });
    expect(await http(`${url}/gone`)).toMatchObject({ status: 410, body: { error: 'gone for good', code: 'HANDLER_ERROR' } });
    expect(await http(`${url}/taken`)).toMatchObject({ status: 409, body: { error: 'name taken', code: 'NAME_TAKEN' } });
  });

  it('follow a thenable of the handler’s as await does; fail one whose then cannot be read, and forget the request', async () => {
    // a lazy query builder: its then() hands over a promise (before: answered 200 {})
    const lazy = { then: (resolve: (v: unknown) => void) => resolve(new Promise((r) => setTimeout(() => r({ rows: [42] }), 5))) };
    // settles twice: the first one counts, and nothing is logged for the second (before: "failed: late")
    const twice = {
      then: (resolve: (v: unknown) => void, reject: (e: unknown) => void) => {
        resolve({ first: true });
        reject(new Error('late'));
      },
    };
    const hostile = () =>
      new Proxy(
        {},
        {
          get: (_target, key) => {
            if (key === 'then') throw new Error('proxy then');
            return undefined;
          },
        },
      );
    t.app
      .route('/lazy', () => lazy)
      .route('/twice', () => twice)
      .route('/proxy', hostile)
      .action('proxy', hostile);
    const url = await start();
    expect(await http(`${url}/lazy`)).toMatchObject({ status: 200, body: { rows: [42] } });
    expect(await http(`${url}/twice`)).toMatchObject({ status: 200, body: { first: true } });
    // before: Fastify's own 500 without the message, and the request held until the stop gave up on it
    expect(await http(`${url}/proxy`)).toMatchObject({ status: 500, body: { error: 'proxy then', code: 'HANDLER_ERROR' } });
    await expect(t.caller({ timeoutMs: 2_000 }).sendRequest('proxy')).rejects.toMatchObject({ message: 'proxy then' });
    await t.app.stop();
    expect(t.records.map((r) => String(r.message))).not.toContainEqual(expect.stringMatching(/failed: late|Gave up on|abandoned/));
  });

  it('take path parameters as <name> and :name, the query for GET and the JSON or form body for POST, PUT, PATCH', async () => {
    const seen: unknown[] = [];
    t.app.route(
      '/users/<user_id>',
      (req) => {
        seen.push({
          method: request.method,
          path: request.path,
          params: request.params,
          query: request.query,
          agent: request.headers['x-test'],
        });
        return { method: req.method, params: req.params, payload: req.payload, body: req.body ?? null };
      },
      { methods: ['GET', 'post', 'PUT', 'PATCH', 'DELETE'] },
    );
    t.app.route('/orders/:order_id/items/:item', (req) => req.params);
    const url = await start();

    expect((await http(`${url}/users/42?detail=full&tag=a&tag=b`, { headers: { 'x-test': 'yes' } })).body).toEqual({
      method: 'GET',
      params: { user_id: '42' },
      payload: { detail: 'full', tag: ['a', 'b'], user_id: '42' },
      body: null,
    });
    expect(seen[0]).toEqual({
      method: 'GET',
      path: '/users/42',
      params: { user_id: '42' },
      query: { detail: 'full', tag: ['a', 'b'] },
      agent: 'yes',
    });
    // the path parameter wins over a body field of the same name
    expect((await http(`${url}/users/7`, { method: 'POST', json: { name: 'Ada', user_id: 'x' } })).body).toMatchObject({
      payload: { name: 'Ada', user_id: '7' },
    });
    const form = await http(`${url}/users/7`, {
      method: 'PUT',
      body: 'name=Ada&role=admin&role=ops',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.body).toMatchObject({ method: 'PUT', payload: { name: 'Ada', role: ['admin', 'ops'], user_id: '7' } });
    // a JSON body that is not an object stays in request.body; the payload has the parameters
    expect((await http(`${url}/users/7`, { method: 'PATCH', json: [1, 2] })).body).toMatchObject({
      payload: { user_id: '7' },
      body: [1, 2],
    });
    expect((await http(`${url}/users/7`, { method: 'DELETE' })).body).toMatchObject({ method: 'DELETE', payload: { user_id: '7' } });
    expect((await http(`${url}/orders/9/items/3`)).body).toEqual({ order_id: '9', item: '3' });
  });

  it('give routes the request, response and logger globals, with the route and request id on log lines', async () => {
    t.app.route('/who', async () => {
      await new Promise((r) => setImmediate(r));
      logger.info('answering who');
      return { id: request.requestId, service: request.service, action: request.action };
    });
    const url = await start();
    const { body } = await http(`${url}/who`);
    expect(body).toEqual({ id: expect.stringMatching(/^http-[0-9a-f]{8}-\d+$/), service: 'http', action: 'GET /who' });
    const line = t.records.find((r) => r.message === 'answering who');
    expect(line).toMatchObject({ route: 'GET /who', request_id: (body as { id: string }).id });
  });

  it('refuse request.method and the other HTTP fields inside an action, saying where they work', async () => {
    t.app.action('probe', () => request.method);
    await t.start();
    await expect(t.caller().sendRequest('probe')).rejects.toThrow(/request\.method is only available while an HTTP route handler runs/);
  });

  it('set the status and headers with the response global in routes, and refuse them in an action', async () => {
    t.app
      .route('/text', () => {
        response.header('content-type', 'text/plain');
        return response.send('hello');
      })
      .route('/accepted', () => {
        response.setStatus(202).header('x-queued', 'yes');
        return { queued: true };
      })
      .route('/bad-status', () => response.setStatus(99))
      .route('/problem', () => response.header('content-type', 'application/problem+json').send({ title: 'Out of stock' }, 409));
    t.app.action('status_in_action', () => response.setStatus(202));
    t.app.action('header_in_action', () => response.header('x-a', 'b'));
    const url = await start();
    const text = await http(`${url}/text`);
    expect(text).toMatchObject({ status: 200, text: 'hello' });
    expect(text.headers.get('content-type')).toBe('text/plain');
    const accepted = await http(`${url}/accepted`);
    expect(accepted).toMatchObject({ status: 202, body: { queued: true } });
    expect(accepted.headers.get('x-queued')).toBe('yes');
    expect(await http(`${url}/bad-status`)).toMatchObject({ status: 500, body: { code: 'INVALID_ARGUMENT' } });
    // data that is not a string goes out as JSON, under the content-type the handler set
    const problem = await http(`${url}/problem`);
    expect(problem).toMatchObject({ status: 409, text: '{"title":"Out of stock"}' });
    expect(problem.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const caller = t.caller();
    await expect(caller.sendRequest('status_in_action')).rejects.toThrow(/response\.setStatus\(\) is only available while an HTTP route/);
    await expect(caller.sendRequest('header_in_action')).rejects.toMatchObject({ details: { remoteCode: 'NOT_IN_HANDLER' } });
  });

  it("refuse a send or error status of another shape with a 500 that says so (before: answered 200 or 400 unseen), and take send's { final: false } as nothing", async () => {
    t.app
      .route('/object-status', () => response.send({ a: 1 }, { status: 201 } as never))
      .route('/error-keyword', () => response.error('x', { status_code: 503 } as never))
      .route('/error-bad-status', () => response.error('x', 99_999))
      .route('/text-status', () => response.setStatus('200' as never))
      .route('/not-final', async () => {
        await response.send({ partial: true }, false);
        return { whole: true };
      });
    const url = await start();
    expect(await http(`${url}/object-status`)).toMatchObject({
      status: 500,
      body: {
        code: 'INVALID_ARGUMENT',
        error:
          'response.send(): the status must be a whole number from 200 to 599, or { final: false } (ignored: HTTP answers once) (got {"status":201}).',
      },
    });
    expect(await http(`${url}/error-keyword`)).toMatchObject({
      status: 500,
      body: { error: expect.stringContaining('(got {"status_code":503})') },
    });
    expect(await http(`${url}/error-bad-status`)).toMatchObject({ status: 500, body: { error: expect.stringContaining('(got 99999)') } });
    // a text status is quoted, as text is in the other messages
    expect(await http(`${url}/text-status`)).toMatchObject({ status: 500, body: { error: expect.stringContaining('(got "200")') } });
    expect(await http(`${url}/not-final`)).toMatchObject({ status: 200, body: { whole: true } });
  });

  it('answer 503 or 504 for a library error that passes (Redis out of reach, a call timed out), 500 for the rest', async () => {
    t.app.thread('idle', () => undefined, { autoStart: false });
    t.app
      .action('slow', () => new Promise((resolve) => setTimeout(resolve, 1_000)), { concurrency: 1, maxQueued: 0 })
      .route('/redis-down', () => {
        throw new DaebusError('TRANSPORT_ERROR', 'Could not publish: not connected');
      })
      .route('/called', () => t.caller().sendRequest('slow', {}, { timeoutMs: 50 }))
      .route('/busy', () => t.caller().sendRequest('slow'))
      .route('/carried', () => {
        throw Object.assign(new DaebusError('TRANSPORT_ERROR', 'mine'), { statusCode: 502 });
      })
      // given to the constructor (before: no such option; from TypeScript it did not compile, from JavaScript it was dropped)
      .route('/gone', () => {
        throw new DaebusError('OUT_OF_STOCK', 'gone', { statusCode: 409 });
      })
      .route('/thread', () => t.app.thread('idle').request('work'))
      .route('/invalid', () => t.app.queue('').put(1));
    const url = await start();
    // before: 500 for each, which a load balancer or a client cannot tell from a bug
    expect(await http(`${url}/redis-down`)).toMatchObject({ status: 503, body: { code: 'TRANSPORT_ERROR' } });
    expect(await http(`${url}/called`)).toMatchObject({ status: 504, body: { code: 'TIMEOUT' } });
    // the service called is busy (its one slot still taken by the call above): REMOTE_ERROR with remoteCode BUSY
    expect(await http(`${url}/busy`)).toMatchObject({ status: 503, body: { code: 'REMOTE_ERROR' } });
    expect(await http(`${url}/carried`)).toMatchObject({ status: 502, body: { code: 'TRANSPORT_ERROR', error: 'mine' } });
    expect(await http(`${url}/gone`)).toMatchObject({ status: 409, body: { code: 'OUT_OF_STOCK', error: 'gone' } });
    expect(await http(`${url}/thread`)).toMatchObject({ status: 503, body: { code: 'THREAD_NOT_RUNNING' } });
    expect(await http(`${url}/invalid`)).toMatchObject({ status: 500, body: { code: 'INVALID_ARGUMENT' } });
  });

  it('answer bad input with JSON errors and the right status, and keep serving', async () => {
    t.app
      .route('/echo', (req) => req.payload, { methods: 'POST' })
      .route('/throws', () => {
        throw Object.assign(new Error('the disk is full'), { code: 'DISK_FULL' });
      })
      .route('/forbidden', () => {
        throw Object.assign(new Error('not yours'), { statusCode: 403 });
      })
      .route('/never', () => new Promise(() => undefined), { timeoutMs: 100 })
      .route('/bigint', () => ({ n: 1n }));
    const url = await start({ bodyLimit: 1024 });

    const malformed = await http(`${url}/echo`, { method: 'POST', body: '{"a": ', headers: { 'content-type': 'application/json' } });
    expect(malformed).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST', error: expect.any(String) } });
    // an empty body under a JSON content-type (clients that always set it): no data, as with Python Daebus
    const empty = await http(`${url}/echo?tag=a`, { method: 'POST', body: '', headers: { 'content-type': 'application/json' } });
    expect(empty).toMatchObject({ status: 200, body: { tag: 'a' } });
    for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
      const none = await http(`${url}/echo?tag=b`, { method: 'POST', body: '', headers: { 'content-type': type } });
      expect([type, none.status, none.body]).toEqual([type, 200, { tag: 'b' }]);
    }
    const big = await http(`${url}/echo`, { method: 'POST', json: { text: 'x'.repeat(2048) } });
    expect(big).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(await http(`${url}/nowhere`)).toMatchObject({
      status: 404,
      body: { error: 'Not Found', code: 'UNKNOWN_ROUTE', path: '/nowhere' },
    });
    const wrong = await http(`${url}/echo`);
    expect(wrong).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED', method: 'GET' } });
    expect(wrong.headers.get('allow')).toBe('POST, OPTIONS');
    const thrown = await http(`${url}/throws`);
    expect(thrown).toMatchObject({ status: 500, body: { error: 'the disk is full', code: 'DISK_FULL' } });
    expect(thrown.text).not.toMatch(/at |\.js:/); // no stack
    expect(await http(`${url}/forbidden`)).toMatchObject({ status: 403, body: { error: 'not yours', code: 'HANDLER_ERROR' } });
    expect(await http(`${url}/never`)).toMatchObject({ status: 504, body: { code: 'TIMEOUT' } });
    expect(await http(`${url}/bigint`)).toMatchObject({ status: 500, body: { code: 'BAD_RESPONSE' } });
    // the log says why, as for an action's reply
    expect(t.records.map((r) => r.message)).toContainEqual(expect.stringMatching(/^The HTTP answer cannot be encoded as JSON \(.*BigInt/));
    expect(await http(`${url}/echo`, { method: 'POST', json: { still: 'here' } })).toMatchObject({ status: 200, body: { still: 'here' } });
    expect(t.records.some((r) => r.message === 'Route GET /throws failed: the disk is full')).toBe(true);
    // the failure's log line and its answer carry one id (before: the id was in the log only)
    const failedLine = t.records.find((r) => r.message === 'Route GET /throws failed: the disk is full');
    expect(thrown.headers.get('x-request-id')).toMatch(/^http-[0-9a-f]{8}-\d+$/);
    expect(failedLine).toMatchObject({ request_id: thrown.headers.get('x-request-id') });
    // a 4xx is the client's: no id needed, none logged
    expect((await http(`${url}/forbidden`)).headers.get('x-request-id')).toBeNull();
  });

  it('read NaN and Infinity in a JSON body as Python’s json.dumps writes them, and refuse what Fastify refuses', async () => {
    t.app.route('/echo', (req) => ({ payload: String(Object.entries(req.payload)), body: String(req.body) }), { methods: 'POST' });
    const url = await start({ bodyLimit: 1024 });
    const post = (body: string) =>
      http(`${url}/echo`, { method: 'POST', body, headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(await post('{"v": NaN, "w": [Infinity, -Infinity], "s": "NaN"}')).toMatchObject({
      status: 200,
      body: { payload: 'v,NaN,w,Infinity,-Infinity,s,NaN' },
    });
    expect(await post('[NaN]')).toMatchObject({ status: 200, body: { body: 'NaN' } });
    const garbage = await post('{"a": 1');
    expect(garbage).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST', error: expect.any(String) } });
    // NaN does not let a prototype key past; the refusal says why (it said the JSON was not valid)
    const refused = {
      status: 400,
      body: { code: 'BAD_REQUEST', error: expect.stringMatching(/^The JSON body holds a "__proto__" key, or a "constructor" object/) },
    };
    expect(await post('{"v": NaN, "__proto__": {"admin": true}}')).toMatchObject(refused);
    expect(await post('{"v": NaN, "a": {"constructor": {"prototype": {"admin": true}}}}')).toMatchObject(refused);
    expect(await post('{"v": NaN, "__proto__": {"admin": true}}'.replace('NaN', '1'))).toMatchObject(refused);
    expect(await post('{"v": 1, "a": [{"constructor": {"prototype": 1}}]}')).toMatchObject(refused);
    expect(await post(`{"v": NaN, "s": "${'x'.repeat(2048)}"}`)).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
    expect((await post('')).status).toBe(200); // no body: no data, as Python Daebus reads it (was 400)
    // bytes that are not UTF-8: refused as over Redis (before: read with U+FFFD in their place)
    const notUtf8 = await http(`${url}/echo`, {
      method: 'POST',
      body: Buffer.from([...Buffer.from('{"s": "'), 0xff, 0xfe, ...Buffer.from('"}')]),
      headers: { 'content-type': 'application/json' },
    });
    expect(notUtf8).toMatchObject({
      status: 400,
      body: { code: 'BAD_REQUEST', error: 'The JSON body is not valid UTF-8; send it encoded as UTF-8.' },
    });
    expect(await post('{"s": "ünïcödé 🙂"}')).toMatchObject({ status: 200, body: { payload: 's,ünïcödé 🙂' } });
  });

  it('read the JSON types of APIs (application/vnd.api+json, problem+json) as JSON (before: 415)', async () => {
    t.app.route('/echo', (req) => ({ got: req.payload }), { methods: 'POST' });
    const url = await start();
    const post = (type: string) => http(`${url}/echo`, { method: 'POST', body: '{"a": NaN}', headers: { 'content-type': type } });
    for (const type of ['application/vnd.api+json', 'application/problem+json; charset=utf-8']) {
      expect(await post(type)).toMatchObject({ status: 200, body: { got: { a: null } } });
    }
    expect(await post('application/jsonx')).toMatchObject({ status: 415 });
  });

  it('refuse a query or form field named __proto__, as a JSON body (before: an own key Object.assign set a prototype with)', async () => {
    let ran = 0;
    t.app.route('/echo', (req) => ({ got: ++ran && Object.keys(req.payload) }), { methods: ['GET', 'POST'] });
    const url = await start();
    const refusal = (where: string) => ({
      status: 400,
      body: {
        code: 'BAD_REQUEST',
        error: `The ${where} has a field named "__proto__": refused, as such a key could change an object's prototype. Rename the field.`,
      },
    });
    expect(await http(`${url}/echo?__proto__=1&__proto__=2`)).toMatchObject(refusal('query'));
    expect(await http(`${url}/echo?a=1&__proto__=x`)).toMatchObject(refusal('query'));
    const form = (body: string) =>
      http(`${url}/echo`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(await form('__proto__=1&__proto__=2')).toMatchObject(refusal('form body'));
    expect(ran).toBe(0);
    // the name as data, not as a key, is fine
    expect(await http(`${url}/echo?k=__proto__`)).toMatchObject({ status: 200, body: { got: ['k'] } });
    expect(await form('a=__proto__&a=2')).toMatchObject({ status: 200, body: { got: ['a'] } });
  });

  it('read a path that starts with several slashes with one, as Python’s http.server does', async () => {
    t.app.route('/hello', () => ({ msg: 'hi' })).route('/items/<id>', (req) => ({ id: req.params.id }));
    const url = await start();
    // before: 404 UNKNOWN_ROUTE (a client joining a base URL ending in / with a path starting with /)
    expect(await http(`${url}//hello`)).toMatchObject({ status: 200, body: { msg: 'hi' } });
    expect(await http(`${url}///items/7?x=1`)).toMatchObject({ status: 200, body: { id: '7' } });
    // only the leading ones: a doubled slash inside the path is part of it
    expect(await http(`${url}/items//7`)).toMatchObject({ status: 404 });
  });

  it('answer a malformed URL with the documented error body, not Fastify’s', async () => {
    t.app.route('/items/<sku>', (req) => req.params);
    const url = await start();
    const bad = await http(`${url}/items/%E0%A4%A`);
    expect(bad).toMatchObject({ status: 400 });
    expect(bad.body).toEqual({ error: expect.any(String), code: 'BAD_REQUEST' });
    expect(await http(`${url}/items/a%20b`)).toMatchObject({ status: 200, body: { sku: 'a b' } });
  });

  it('answer OPTIONS with the methods of the path, and HEAD for GET routes', async () => {
    t.app.route('/things', () => ({ n: 1 }), { methods: ['GET', 'POST'] });
    const url = await start();
    const options = await http(`${url}/things`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('GET, POST, HEAD, OPTIONS');
    expect((await http(`${url}/things`, { method: 'HEAD' })).status).toBe(200);
    expect((await http(`${url}/missing`, { method: 'OPTIONS' })).status).toBe(404);
  });

  it('let a path whose routes take other methods fall through to a parameter route that takes the method', async () => {
    t.app.route('/users/me', () => ({ me: true }), { methods: 'PUT' });
    t.app.route('/users/<id>', (req) => ({ id: req.params.id }));
    const url = await start();
    expect(await http(`${url}/users/me`)).toMatchObject({ status: 200, body: { id: 'me' } });
    expect((await http(`${url}/users/me`, { method: 'HEAD' })).status).toBe(200);
    expect(await http(`${url}/users/me`, { method: 'PUT' })).toMatchObject({ status: 200, body: { me: true } });
    const refused = await http(`${url}/users/me`, { method: 'DELETE' });
    expect(refused).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED' } });
    expect(refused.headers.get('allow')).toBe('PUT, GET, HEAD, OPTIONS');
    expect((await http(`${url}/users/7`, { method: 'PUT' })).headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('let a parameter route be reached where a path with a written segment overlaps it on some paths only', async () => {
    t.app.route('/users/<id>/x', (req) => ({ id: req.params.id }));
    t.app.route('/users/me/<y>', (req) => ({ y: req.params.y }), { methods: 'PUT' });
    const url = await start();
    // before, GET /users/me/x got a 405 from /users/me/<y>, which the router matched first
    expect(await http(`${url}/users/me/x`)).toMatchObject({ status: 200, body: { id: 'me' } });
    expect(await http(`${url}/users/me/x`, { method: 'PUT' })).toMatchObject({ status: 200, body: { y: 'x' } });
    expect(await http(`${url}/users/7/x`)).toMatchObject({ status: 200, body: { id: '7' } });
    expect(await http(`${url}/users/me/z`, { method: 'DELETE' })).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED' } });
  });

  it('run a route on the pool with { module }', async () => {
    t.remake({ maxWorkers: 1 });
    t.app.route('/pooled/<user_id>', { module: fixture('pooled-route.mjs') }, { methods: ['GET', 'POST'] });
    t.app.route('/fib/<n>', { module: fixture('pooled.mjs') });
    t.app.route('/refuses', { module: fixture('pooled-route.mjs'), export: 'refuses' });
    t.app.route('/gone', { module: fixture('pooled-route.mjs'), export: 'gone' });
    t.app.route('/exits', { module: fixture('pooled.mjs'), export: 'exits' });
    const url = await start();
    expect(await http(`${url}/pooled/5?note=hi`)).toMatchObject({
      status: 201,
      body: { user: '5', note: 'hi', action: 'GET,POST /pooled/<user_id>' },
    });
    expect(await http(`${url}/pooled/6`, { method: 'POST', json: { note: 'posted' } })).toMatchObject({
      status: 201,
      body: { user: '6', note: 'posted' },
    });
    // progress updates of a pooled handler are not sent over HTTP: one answer
    expect(await http(`${url}/fib/20`)).toMatchObject({ status: 200, body: { fib: 6765 } });
    // the status an error carries crosses from the pool, as from a function route
    expect(await http(`${url}/refuses`)).toMatchObject({ status: 403, body: { error: 'not yours', code: 'HANDLER_ERROR' } });
    expect(await http(`${url}/gone`)).toMatchObject({ status: 410, body: { error: 'gone for good', code: 'E_GONE' } });
    // named as a route's call (before: "Pooled action")
    expect(await http(`${url}/exits`)).toMatchObject({
      status: 500,
      body: { error: 'Pooled route "GET /exits" crashed its worker (worker exited with code: 3); the pool replaced it.' },
    });
  });

  it('answer 400 to a body nested too deep to reach a pooled route’s worker, and log no failure', async () => {
    t.remake({ maxWorkers: 1 });
    t.app.route('/pooled/<user_id>', { module: fixture('pooled-route.mjs') }, { methods: ['POST'] });
    const url = await start();
    const deep = '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000);
    const refused = await http(`${url}/pooled/1`, { method: 'POST', body: deep, headers: { 'content-type': 'application/json' } });
    expect(refused).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    expect((refused.body as { error: string }).error).toMatch(/nest/);
    expect(t.records.filter((r) => r.level === 'error')).toEqual([]);
    // the worker is still there for the next request
    expect(await http(`${url}/pooled/2`, { method: 'POST', json: { note: 'flat' } })).toMatchObject({
      status: 201,
      body: { note: 'flat' },
    });
  });

  it('cancel a pooled route’s job at the route’s timeout, so that the next request gets its worker', async () => {
    t.remake({ maxWorkers: 1 });
    t.app.route('/spin', { module: fixture('pooled.mjs'), export: 'spins' }, { timeoutMs: 200 });
    t.app.route('/fib/<n>', { module: fixture('pooled.mjs') });
    // the module's own timeout (60 s by default) is not what frees the worker
    const url = await start({ timeoutMs: 5_000 });
    expect(await http(`${url}/spin`)).toMatchObject({ status: 504, body: { code: 'TIMEOUT' } });
    expect(await http(`${url}/fib/10`)).toMatchObject({ status: 200, body: { fib: 55 } });
    expect(t.records.filter((r) => /GET \/spin/.test(r.message)).map((r) => r.message)).toEqual([
      'Route GET /spin did not answer within 200 ms.',
    ]);
  });

  it('drop a pooled route’s call whose client went away before a worker took it', async () => {
    t.remake({ maxWorkers: 1 });
    t.app.route('/hold', { module: fixture('pooled.mjs'), export: 'logsAndWaits' });
    const url = await start();
    const first = http(`${url}/hold?tag=first&ms=400`);
    await waitFor(() => ran().includes('first'), 'the first call to run');
    const clients = ['left1', 'left2'].map((tag) => {
      const client = new AbortController();
      return { client, answer: fetch(`${url}/hold?tag=${tag}&ms=400`, { signal: client.signal }).catch((err: Error) => err.name) };
    });
    const queued = async (): Promise<number> => ((await t.caller().sendRequest('daebus.info')) as { pool: { queued: number } }).pool.queued;
    await waitFor(async () => (await queued()) === clients.length, 'both calls to wait for the worker');
    for (const { client } of clients) client.abort();
    await expect(Promise.all(clients.map((c) => c.answer))).resolves.toEqual(['AbortError', 'AbortError']);
    expect(await first).toMatchObject({ status: 200, body: { tag: 'first' } });
    expect(await http(`${url}/hold?tag=next&ms=0`)).toMatchObject({ status: 200, body: { tag: 'next' } });
    // the calls whose clients left never ran, are not counted as completed, and no failure was logged for them
    expect(ran()).toEqual(['first', 'next']);
    const info = (await t.caller().sendRequest('daebus.info')) as { pool: { completed: number } };
    expect(info.pool.completed).toBe(2);
    expect(t.records.filter((r) => r.level === 'error' || r.level === 'warn')).toEqual([]);
  });

  it('let a pooled route’s call that runs finish when its client goes away', async () => {
    t.remake({ maxWorkers: 1 });
    t.app.route('/hold', { module: fixture('pooled.mjs'), export: 'logsAndWaits' });
    const url = await start();
    const client = new AbortController();
    const answer = fetch(`${url}/hold?tag=running&ms=300`, { signal: client.signal }).catch((err: Error) => err.name);
    await waitFor(() => ran().includes('running'), 'the call to run');
    client.abort();
    await expect(answer).resolves.toBe('AbortError');
    // its worker was not stopped: the next call is run by it, after the first ended
    expect(await http(`${url}/hold?tag=next&ms=0`)).toMatchObject({ status: 200, body: { tag: 'next' } });
    const info = (await t.caller().sendRequest('daebus.info')) as { pool: { completed: number; threads: number } };
    expect(info.pool).toMatchObject({ completed: 2, threads: 1 });
    expect(t.records.filter((r) => r.level === 'error' || r.level === 'warn')).toEqual([]);
  });
});

describe('CORS with Daebus options', () => {
  const cors = {
    allowedOrigins: ['https://app.example'],
    allowedMethods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['content-type', 'x-token'],
    exposeHeaders: ['x-total'],
    allowCredentials: true,
    maxAge: 600,
  };

  it('answer a preflight with the route’s allowed methods, and mark responses for allowed origins only', async () => {
    t.app.route('/items', () => ({ items: [] }), { methods: ['GET', 'PUT'] });
    const url = await start({ cors });
    const preflight = await http(`${url}/items`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-token' },
    });
    expect(preflight.status).toBe(204);
    expect(Object.fromEntries(preflight.headers)).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'GET', // PUT is not among the allowed methods
      'access-control-allow-headers': 'content-type, x-token',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '600',
    });
    const simple = await http(`${url}/items`, { headers: { origin: 'https://app.example' } });
    expect(simple.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(simple.headers.get('access-control-expose-headers')).toBe('x-total');
    const stranger = await http(`${url}/items`, { headers: { origin: 'https://evil.example' } });
    expect(stranger.status).toBe(200);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    const unknown = await http(`${url}/nothing-here`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    });
    expect(unknown.status).toBe(404);
  });

  it('send no CORS headers at all to an origin not allowed, nor for a route none of whose methods is allowed', async () => {
    t.app.route('/items', () => ({ items: [] })).route('/put-only', () => ({}), { methods: 'PUT' });
    const url = await start({
      cors: { allowedOrigins: ['http://good.example'], allowedMethods: ['GET'], allowCredentials: true, exposeHeaders: ['X-Foo'] },
    });
    const corsHeaders = (a: { headers: Headers }): string[] => [...a.headers.keys()].filter((k) => k.startsWith('access-control-'));
    const good = await http(`${url}/items`, { headers: { origin: 'http://good.example' } });
    expect(corsHeaders(good).sort()).toEqual([
      'access-control-allow-credentials',
      'access-control-allow-origin',
      'access-control-expose-headers',
    ]);
    const evil = await http(`${url}/items`, { headers: { origin: 'http://evil.example' } });
    expect(evil.status).toBe(200);
    expect(corsHeaders(evil)).toEqual([]);
    const evilPreflight = await http(`${url}/items`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(corsHeaders(evilPreflight)).toEqual([]);
    const putPreflight = await http(`${url}/put-only`, {
      method: 'OPTIONS',
      headers: { origin: 'http://good.example', 'access-control-request-method': 'PUT' },
    });
    expect(putPreflight.status).toBe(204);
    expect(corsHeaders(putPreflight)).toEqual([]);
    expect(putPreflight.headers.get('allow')).toBe('PUT, OPTIONS');
  });

  it('answer * with no origins configured, and echo any origin with "*" among them', async () => {
    t.app.route('/a', () => ({}));
    const url = await start({ cors: {} });
    expect((await http(`${url}/a`, { headers: { origin: 'https://x.example' } })).headers.get('access-control-allow-origin')).toBe('*');
    await t.app.stop();
    await t.start({ http: { ...LOCAL, cors: { allowedOrigins: '*' } } });
    const again = await http(`${t.app.http.url}/a`, { headers: { origin: 'https://x.example' } });
    expect(again.headers.get('access-control-allow-origin')).toBe('https://x.example');
  });
});

describe('registering routes', () => {
  it('refuse a method and path registered twice, naming both places, in either syntax', () => {
    t.app.route('/users/<id>', () => ({}), { methods: ['GET', 'POST'] });
    const bp = new Blueprint('admin').route('/users/:user_id', () => ({}), { methods: 'POST' });
    expect(() => t.app.registerBlueprint(bp)).toThrow(
      'The route POST /users/:user_id is registered twice: by the app and by blueprint "admin". Serve each method of a path once.',
    );
    expect(() => t.app.route('/users/<id>', () => ({}), { methods: 'DELETE' })).not.toThrow();
  });

  it('refuse at start a route on the WebSocket endpoint’s path, saying what to change, before anything listens', async () => {
    t.app.route('/live', () => ({}), { methods: 'POST' });
    t.app.socket('ping', () => 'pong');
    await expect(t.start({ http: LOCAL, websocket: { path: '/live' } })).rejects.toMatchObject({
      code: 'DUPLICATE_NAME',
      message:
        'The route POST /live is on the path of the WebSocket endpoint (/live). Give the route another path, or the endpoint another websocket.path (or a port of its own).',
    });
    // the endpoint on a port of its own takes every path there: the route is the HTTP server's
    await t.start({ http: LOCAL, websocket: { port: 0, host: '127.0.0.1', path: '/live' } });
    expect((await http(`${t.app.http.url as string}/live`, { method: 'POST', json: {} })).status).toBe(200);
  });

  it('check paths, methods and options at registration', () => {
    expect(() => t.app.route('users', () => ({}))).toThrow(/path must be a path that starts with "\/"/);
    expect(() => t.app.route('/a/<1x>', () => ({}))).toThrow(/parameter names are identifiers/);
    expect(() => t.app.route('/a', () => ({}), { methods: ['FETCH' as never] })).toThrow(
      /options\.methods must be made of GET, POST, PUT, PATCH, DELETE/,
    );
    expect(() => t.app.route('/a', () => ({}), { methods: ['OPTIONS' as never] })).toThrow(/OPTIONS for every path/);
    expect(() => t.app.route('/a', 'nope' as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => new DaebusHttp({ port: 70_000 })).toThrow(/port must be a port number from 0 to 65535/);
    expect(() => new DaebusHttp({ cors: { allowedOrigins: [] } })).toThrow(/allowedOrigins must be a string or a non-empty list/);
    // a browser's Origin always has a scheme: such an entry would never match, and CORS would fail without a word
    for (const origin of ['app.example.com', 'localhost:3000', 'https//app.example'])
      expect(() => new DaebusHttp({ cors: { allowedOrigins: ['https://ok.example', origin] } })).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining("like 'https://app.example.com'") }),
      );
    // the forms a browser sends stay taken: a scheme URL (normalised), an extension's, 'null', '*'
    for (const origin of ['https://App.example:443/', 'chrome-extension://abcdef', 'null', '*'])
      expect(() => new DaebusHttp({ cors: { allowedOrigins: origin } })).not.toThrow();
  });

  it('serve a blueprint’s routes, and take the server’s options from an attached DaebusHttp', async () => {
    t.app.attach(new DaebusHttp(LOCAL));
    t.app.registerBlueprint(new Blueprint('api').route('/api/ping', () => ({ pong: true })));
    await t.start();
    expect(await http(`${t.app.http.url}/api/ping`)).toMatchObject({ status: 200, body: { pong: true } });
  });

  it('say that a route or socket handler registered after the start waits for the next one, with or without servers', async () => {
    await t.start();
    const warned = (pattern: RegExp): boolean => t.records.some((r) => r.level === 'warn' && pattern.test(r.message));
    // before: nothing said, and neither was ever served
    t.app.route('/late', () => ({}));
    t.app.socket('late', () => ({}));
    expect(warned(/^Route GET \/late was registered while the service runs without an HTTP server: it is served from the next start/)).toBe(
      true,
    );
    expect(warned(/^WebSocket handler "late" was registered while the service runs without a WebSocket endpoint/)).toBe(true);
    expect(t.app.http).toEqual({});
    await t.app.stop();
    await t.start({ http: LOCAL });
    expect(await http(`${t.app.http.url}/late`)).toMatchObject({ status: 200 });
    expect(t.app.http.websocketUrl).toBeDefined();
    // with an endpoint running, a socket handler is served at once: nothing to say
    t.app.socket('later', () => ({}));
    expect(warned(/"later"/)).toBe(false);
  });

  it('start no server with http: false, and reject bad start options', async () => {
    t.app.route('/x', () => ({}));
    await t.start({ http: false });
    expect(t.app.http).toEqual({});
    expect(t.records.some((r) => /1 route\(s\) registered, but the HTTP server is off/.test(r.message))).toBe(true);
    // one registered now is not served either, nor promised for the next start
    t.app.route('/y', () => ({}));
    const late = t.records.filter((r) => r.message.startsWith('Route GET /y')).map((r) => r.message);
    expect(late).toEqual(['Route GET /y was registered while the service runs with http: false: it is not served while http is false.']);
    await t.app.stop();
    await expect(t.start({ http: { port: -1 } })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});

describe('the HTTP server’s life', () => {
  it('lets requests in flight finish on stop, and answers those past the drain timeout with 503 STOPPED', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => (release = r));
    let entered: () => void = () => undefined;
    let inside = new Promise<void>((r) => (entered = r));
    t.remake({ drainTimeoutMs: 300 });
    t.app
      .route('/slow', async () => {
        entered();
        await released;
        return { done: true };
      })
      .route('/stuck', () => {
        entered();
        return new Promise(() => undefined);
      });
    const url = await start();
    const slow = http(`${url}/slow`);
    await inside;
    const stopping = t.app.stop();
    release();
    expect(await slow).toMatchObject({ status: 200, body: { done: true } });
    await stopping;
    await expect(fetch(`${url}/slow`)).rejects.toThrow();

    await t.start({ http: LOCAL });
    inside = new Promise<void>((r) => (entered = r));
    const stuck = http(`${t.app.http.url}/stuck`);
    await inside;
    await t.app.stop();
    expect(await stuck).toMatchObject({ status: 503, body: { code: 'STOPPED' } });
  });

  it('takes no queue item for a request answered 504: it stays queued for the next poll', async () => {
    let asked = 0;
    t.app.route(
      '/poll',
      async () => {
        asked += 1;
        return { job: (await t.app.queue('polled').get()) ?? null };
      },
      { timeoutMs: 200 },
    );
    const url = await start();
    expect(await http(`${url}/poll`)).toMatchObject({ status: 504 });
    await t.app.queue('polled').put('job-1');
    // before: the handler answered 504 took it, and it was lost with its answer
    expect(await t.app.queue('polled').snapshot()).toEqual(['job-1']);
    expect((await http(`${url}/poll`)).body).toEqual({ job: 'job-1' });
    expect(asked).toBe(2);
  });

  it('takes no queue item for a request given up on while actions still drain: it stays queued', async () => {
    t.remake({ drainTimeoutMs: 300 });
    let polling: () => void = () => undefined;
    const polled = new Promise<void>((r) => (polling = r));
    t.app.route('/next-job', async () => {
      polling();
      return { job: (await t.app.queue('jobs').get()) ?? null }; // a long poll
    });
    // an action running through the HTTP drain, which puts a job during the actions' drain
    const inAction = jobFinisher(t.app, 450);
    const url = await start();
    const poll = http(`${url}/next-job`);
    await polled;
    const finished = t.caller().sendRequest('finish', {}, { timeoutMs: 10_000 });
    await inAction;
    await t.app.stop();
    expect(await poll).toMatchObject({ status: 503, body: { code: 'STOPPED' } });
    await expect(finished).resolves.toEqual({});
    // before: the route's handler, answered 503 already, took it, and it was lost
    expect(await t.app.queue('jobs').snapshot()).toEqual(['job-7']);
  });

  it('fails start with LISTEN_FAILED when the port is taken, before it connects, and leaves the app stopped', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    t.app.route('/x', () => ({}));
    try {
      await expect(t.start({ http: { port, host: '127.0.0.1' } })).rejects.toMatchObject({
        code: 'LISTEN_FAILED',
        message: expect.stringMatching(new RegExp(`^The HTTP server could not listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`)),
      });
    } finally {
      blocker.close();
    }
    // a second copy of a service never answers a request: it did not connect (before: it answered
    // over the transport until its HTTP server failed to listen, after its threads had started)
    expect(t.records.map((r) => r.message).filter((m) => /listening on|stopp/.test(m))).toEqual([]);
    await t.start({ http: LOCAL });
    expect((await http(`${t.app.http.url}/x`)).status).toBe(200);
  });

  it('does not load Fastify in a service without HTTP', () => {
    const main = join(__dirname, '..', '..', 'dist', 'main', 'index.js');
    const script = `const { Daebus } = require(${JSON.stringify(main)});
      const app = new Daebus('plain'); app.action('a', () => 1);
      app.start({ transport: 'memory' }).then(() => app.stop()).then(() =>
        console.log(Object.keys(require.cache).filter((k) => /fastify|[\\\\/]ws[\\\\/]/.test(k)).length));`;
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim().split('\n').pop()).toBe('0');
  });
});
