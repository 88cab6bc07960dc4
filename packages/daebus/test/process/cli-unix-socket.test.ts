// A Redis reached over a Unix socket that needs a password, on a database other than 0: the
// `unix:` URL (redis-py's form) gives a service, a caller and the `daebus` command the socket, the
// password and the database. Before, a socket was a bare path: a service could still use ioredis
// options, but REDIS_URL and the command had no way to say a password or a database.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daebus, DaebusCaller } from 'daebus';
import { cleanEnv, startCli } from '../support/cli-process';
import { privateRedis, type PrivateRedis } from '../support/redis-server';

jest.setTimeout(60_000);

let server: PrivateRedis;
let app: Daebus;
let url: string;
const service = `cli_unix_${randomUUID()}`;

beforeAll(async () => {
  const socket = join(mkdtempSync(join(tmpdir(), 'daebus-unix-')), 'redis.sock');
  server = await privateRedis(['--unixsocket', socket, '--unixsocketperm', '700', '--requirepass', 's&cret']);
  url = `unix://${socket}?db=3&password=s%26cret`;
  app = new Daebus('cli-unix');
  app.logger.silent = true;
  app.action('where', () => 'here');
  await app.start({ service, redis: url, replicas: true });
});
afterAll(async () => {
  await app.stop();
  await server.stop();
});

it('serves a caller given the same URL, its keys in that database', async () => {
  const caller = new DaebusCaller(service, { redis: url });
  try {
    expect(await caller.sendRequest('where')).toBe('here');
    // a replica's presence is a key: in database 3, not 0
    expect((await caller.replicas()).length).toBe(1);
  } finally {
    await caller.close();
  }
});

it('is reached by the command with that URL, which hides the password', async () => {
  const ran = await startCli(['--redis', url, 'health', service], { env: cleanEnv() }).done;
  expect(ran.stderr).toBe('');
  expect(ran.code).toBe(0);
  expect(ran.stdout).toContain(`ok, ready (unix:${url.slice('unix://'.length, url.indexOf('?'))} (database 3) connected)`);
  const wrong = await startCli(['--redis', url.replace('s%26cret', 'wrong'), 'health', service], { env: cleanEnv() }).done;
  expect(wrong.code).toBe(4);
  expect(wrong.stderr).toContain('password=***');
  expect(wrong.stderr).not.toContain('wrong');
});

it('refuses a socket URL it cannot read at start (INVALID_OPTION), its password hidden', async () => {
  const bad = new Daebus('cli-unix-bad');
  bad.logger.silent = true;
  const failure = await bad.start({ service: `${service}_bad`, redis: 'unix://localhost/run/redis.sock?password=secret' }).then(
    () => undefined,
    (err: unknown) => err as { code?: string; message?: string },
  );
  await bad.stop();
  expect(failure?.code).toBe('INVALID_OPTION');
  expect(failure?.message).toContain('names a host ("localhost")');
  expect(failure?.message).not.toContain('secret');
});
