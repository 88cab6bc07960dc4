// Messages written to attack a service, over the memory transport and over Redis: keys that would
// swap a prototype (refused), request ids of the wrong type. Each gets a plain answer; nothing changes shape.
import { randomUUID } from 'node:crypto';
import { Daebus, DaebusCaller, MemoryBroker, MemoryTransport, RedisTransport, type Transport } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

type Kind = 'memory' | 'redis';

function connect(kind: Kind, broker: MemoryBroker): { transport: Transport } | { redis: string } {
  return kind === 'memory' ? { transport: new MemoryTransport(broker) } : { redis: TEST_REDIS_URL };
}

/** What a handler sees of its payload. */
function inspect(payload: Record<string, unknown>): Record<string, unknown> {
  return {
    keys: Object.keys(payload).sort(),
    isAdmin: (payload as { isAdmin?: unknown }).isAdmin ?? null,
    plainPrototype: Object.getPrototypeOf(payload) === Object.prototype,
  };
}

describe.each<Kind>(['memory', 'redis'])('hostile input over %s', (kind) => {
  let app: Daebus;
  let broker: MemoryBroker;
  let service: string;
  let records: ReturnType<typeof captureLogger>['records'];
  const clients: { close(): Promise<void> }[] = [];

  beforeEach(async () => {
    broker = new MemoryBroker();
    service = `hostile_${randomUUID()}`;
    const captured = captureLogger();
    records = captured.records;
    app = new Daebus('hostile', { logger: captured.logger });
    app.action('inspect', (payload) => inspect(payload));
    await app.start({ service, ...connect(kind, broker) });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await app.stop();
  });

  it.each<[string, string]>([
    [
      'a top-level "__proto__" in a message without a payload',
      '{"__proto__": {"isAdmin": true}, "action": "inspect", "reply_to": "%R", "request_id": "p1"}',
    ],
    [
      'a "__proto__" key in the payload',
      '{"action": "inspect", "payload": {"__proto__": {"isAdmin": true}}, "reply_to": "%R", "request_id": "p2"}',
    ],
    [
      'a "constructor" holding a "prototype", nested in the payload',
      '{"action": "inspect", "payload": {"user": {"constructor": {"prototype": {"isAdmin": true}}}}, "reply_to": "%R", "request_id": "p3"}',
    ],
    [
      'a "__proto__" key in a payload given as a JSON string',
      '{"action": "inspect", "payload": "{\\"__proto__\\": {\\"isAdmin\\": true}}", "reply_to": "%R", "request_id": "p4"}',
    ],
    [
      'a "__proto__" key spelt with escapes',
      '{"action": "inspect", "payload": {"\\u005f_\\u0070roto__": {"isAdmin": true}}, "reply_to": "%R", "request_id": "p5"}',
    ],
  ])("refuses %s with BAD_REQUEST: Object.assign would give the handler's object that prototype", async (_what, template) => {
    // before, it reached the handler as an own key, and Object.assign({}, payload) set the prototype
    expect(await sendRaw(template)).toMatchObject({
      status: 'error',
      payload: { code: 'BAD_REQUEST', error: expect.stringContaining('"__proto__" key') },
    });
  });

  it('refuses such a payload from a DaebusCaller too (in-process, only the payload travels as JSON)', async () => {
    const caller = new DaebusCaller(service, { ...connect(kind, broker), timeoutMs: 5_000 });
    clients.push(caller);
    const hostile = JSON.parse('{"user": "ann", "__proto__": {"isAdmin": true}}') as Record<string, unknown>;
    await expect(caller.sendRequest('inspect', hostile)).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
      details: expect.objectContaining({ remoteCode: 'BAD_REQUEST' }),
    });
    await expect(caller.sendRequest('inspect', { user: 'ann' })).resolves.toMatchObject({ keys: ['user'] });
  });

  it('keeps "constructor" and "prototype" keys that cannot change a prototype as plain data', async () => {
    const template =
      '{"action": "inspect", "payload": {"constructor": "Widget", "prototype": {"isAdmin": true}, "name": "\\u00e9t\\u00e9"}, "reply_to": "%R", "request_id": "p6"}';
    const reply = await sendRaw(template);
    expect(reply).toMatchObject({ status: 'success', final: true });
    const seen = reply.payload as { keys: string[]; isAdmin: unknown; plainPrototype: boolean };
    expect(seen).toEqual({ keys: ['constructor', 'name', 'prototype'], isAdmin: null, plainPrototype: true });
  });

  it('answers a request_id that is not a string with BAD_REQUEST, echoing a number as sent', async () => {
    expect(await sendRaw('{"action": "inspect", "payload": {}, "reply_to": "%R", "request_id": 42}')).toMatchObject({
      status: 'error',
      request_id: 42,
      payload: { code: 'BAD_REQUEST', error: expect.stringContaining('"request_id" must be a string') },
    });
    expect(await sendRaw('{"action": "inspect", "payload": {}, "reply_to": "%R", "request_id": {"a": 1}}')).toMatchObject({
      status: 'error',
      request_id: null,
      payload: { code: 'BAD_REQUEST' },
    });
  });

  // valid JSON of about 40 KB, under every size limit: encoding it again overflows the stack
  const DEEP = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;

  it.each<[string, string]>([
    ['an action', `{"action": ${DEEP}, "payload": {}, "reply_to": "%R", "request_id": "d1"}`],
    ['a request_id', `{"action": "inspect", "payload": {}, "reply_to": "%R", "request_id": ${DEEP}}`],
  ])('answers %s nested 20,000 levels deep with BAD_REQUEST, and serves the next request', async (_what, template) => {
    // before, describing the bad field threw out of the transport's message handler: an uncaught exception
    expect(await sendRaw(template)).toMatchObject({ status: 'error', payload: { code: 'BAD_REQUEST' } });
    expect(await sendRaw('{"action": "inspect", "payload": {"a": 1}, "reply_to": "%R", "request_id": "d2"}')).toMatchObject({
      status: 'success',
      payload: { keys: ['a'] },
    });
  });

  it('clips an unknown action name of 1 MB in its UNKNOWN_ACTION reply and its log line', async () => {
    // before: the whole name came back in the reply, and twice in the log line (16 MB for 8 MB)
    const name = 'x'.repeat(1_000_000);
    const reply = await sendRaw(`{"action": "${name}", "payload": {}, "reply_to": "%R", "request_id": "u1"}`);
    const error = (reply.payload as { error: string; code: string }).error;
    expect(reply).toMatchObject({ status: 'error', payload: { code: 'UNKNOWN_ACTION' } });
    expect(error).toMatch(/^Unknown action "x{120}\.\.\."; this service has: inspect\.$/);
    const logged = records.filter((r) => String(r.message).startsWith('Rejected a request'));
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged[0]).length).toBeLessThan(1_000);
  });

  /** Publish the message text exactly as written (%R: a fresh reply channel); resolves with the reply. */
  async function sendRaw(template: string): Promise<Record<string, unknown>> {
    const replyTo = `caller:${randomUUID()}`;
    const replies: Record<string, unknown>[] = [];
    const listener = new Daebus('reply-listener', { logger: captureLogger().logger });
    listener.listen(replyTo, (message) => void replies.push(message as Record<string, unknown>));
    await listener.start({ service: `listener_${randomUUID()}`, ...connect(kind, broker) });
    clients.push({ close: () => listener.stop() });
    const publisher = connect(kind, broker);
    const transport = 'transport' in publisher ? publisher.transport : new RedisTransport(TEST_REDIS_URL);
    await transport.connect();
    clients.push({ close: () => transport.close() });
    await transport.publish(service, template.replace('%R', replyTo));
    await waitFor(() => replies.length > 0, 'a reply');
    return replies[0] as Record<string, unknown>;
  }
});
