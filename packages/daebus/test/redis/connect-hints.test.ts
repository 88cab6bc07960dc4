// A start that cannot reach Redis says what to check by how the connection failed: a
// certificate the system does not trust, a plain connection to a port that speaks TLS, a user's
// wrong password (each ended "Is redis-server running there?", or named only the default user's
// password form), a Redis at its maxclients limit.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { privateRedis, TEST_REDIS_URL, type PrivateRedis } from '../support/redis-server';

let server: PrivateRedis;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'daebus-tls-hints-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const subject = ['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', ...subject], {
    stdio: 'ignore',
  });
  server = await privateRedis([], { cert, key });
});
afterAll(() => server.stop());

async function startFailure(redis: string): Promise<string> {
  const app = new Daebus('hints');
  app.logger.silent = true;
  const failure = await app.start({ service: `hints_${randomUUID()}`, redis }).then(
    () => 'started',
    (err: unknown) => String((err as Error).message),
  );
  await app.stop();
  return failure;
}

describe('a start that cannot reach Redis', () => {
  it('points at the TLS settings for a certificate it does not trust', async () => {
    const failure = await startFailure(`rediss://127.0.0.1:${server.port}`);
    expect(failure).toContain(`Could not connect to Redis at rediss://127.0.0.1:${server.port}: `);
    expect(failure).toContain('Check the TLS settings: a private certificate authority goes in the ioredis options');
  });

  it('suggests rediss:// when a plain connection is closed at once', async () => {
    const failure = await startFailure(`redis://127.0.0.1:${server.port}`);
    expect(failure).toContain('if that port serves TLS, use rediss://');
  });

  it("names an ACL user's URL form for a wrong password", async () => {
    const user = `daebus-hint-${randomUUID()}`;
    const admin = new Redis(TEST_REDIS_URL);
    await admin.call('ACL', 'SETUSER', user, 'on', '>right-password', '~*', '&*', '+@all');
    try {
      const failure = await startFailure(TEST_REDIS_URL.replace('redis://', `redis://${user}:wrong-password@`));
      expect(failure).toContain('WRONGPASS');
      expect(failure).toContain('redis://user:password@host:port for an ACL user');
    } finally {
      await admin.call('ACL', 'DELUSER', user);
      admin.disconnect();
    }
  });

  // before: it said only that a TLS port might be at fault
  it('names the maxclients limit when Redis closes the connection at once for want of room', async () => {
    const full = await privateRedis(['--maxclients', '1']);
    const holder = new Redis(full.url);
    await holder.ping(); // the one client Redis takes
    try {
      const failure = await startFailure(full.url);
      expect(failure).toContain(`Could not connect to Redis at ${full.url}: `);
      expect(failure).toContain('it may be at its maxclients limit (redis-cli INFO clients)');
    } finally {
      holder.disconnect();
      await full.stop();
    }
  });
});
