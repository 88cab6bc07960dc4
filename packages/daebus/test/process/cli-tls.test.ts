// The `daebus` command on a Redis that speaks TLS only and asks each client for a certificate
// (mutual TLS): --tls-ca trusts a private authority, --tls-cert and --tls-key present the client's
// certificate. Before, the command could trust a private authority (NODE_EXTRA_CA_CERTS) but never
// present a certificate: a service on such a Redis could not be reached from the command line.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { Daebus } from 'daebus';
import { startCli, cleanEnv } from '../support/cli-process';
import { privateRedis, type PrivateRedis } from '../support/redis-server';

jest.setTimeout(60_000);

let server: PrivateRedis;
let app: Daebus;
let cert: string;
let key: string;
const service = `cli_tls_${randomUUID()}`;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'daebus-cli-tls-'));
  cert = join(dir, 'cert.pem');
  key = join(dir, 'key.pem');
  const subject = ['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', ...subject], {
    stdio: 'ignore',
  });
  writeFileSync(join(dir, 'not-pem.der'), Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x02, 0x82]));
  // the one certificate is the authority, the server's and the client's
  server = await privateRedis(['--tls-auth-clients', 'yes'], { cert, key });
  app = new Daebus('cli-tls');
  app.logger.silent = true;
  const tls = { ca: readFileSync(cert), cert: readFileSync(cert), key: readFileSync(key) };
  await app.start({ service, redis: { host: '127.0.0.1', port: server.port, tls } });
});
afterAll(async () => {
  await app.stop();
  await server.stop();
});

function daebus(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return startCli(['--redis', `rediss://127.0.0.1:${server.port}`, ...args], { env: cleanEnv() }).done;
}

it('reaches a service on a Redis that asks for a client certificate, given the authority, the certificate and its key', async () => {
  const ran = await daebus('--tls-ca', cert, '--tls-cert', cert, '--tls-key', key, 'health', service);
  expect(ran.stderr).toBe('');
  expect(ran.stdout).toMatch(/^ok, ready \(rediss:\/\/127\.0\.0\.1:\d+ connected\)/);
  expect(ran.code).toBe(0);
  // the options may come after the verb too
  const after = await daebus('call', service, 'daebus.ping', '--tls-ca', cert, '--tls-cert', cert, '--tls-key', key);
  expect(after.code).toBe(0);
});

it('cannot reach it without a client certificate (exit 4), and says so', async () => {
  const ran = await daebus('--tls-ca', cert, 'health', service);
  expect(ran.code).toBe(4);
  expect(ran.stderr).toContain(`cannot reach Redis at rediss://127.0.0.1:${server.port}`);
});

it('refuses a certificate without its key, and a file it cannot read (exit 2), before it connects', async () => {
  const half = await daebus('--tls-cert', cert, 'health', service);
  expect(half.code).toBe(2);
  expect(half.stderr).toContain('--tls-cert and --tls-key go together');
  // before: accepted, and the connection then failed with "self-signed certificate in certificate chain"
  const notPem = await daebus('--tls-ca', key.replace('key.pem', 'not-pem.der'), 'health', service);
  expect(notPem.code).toBe(2);
  expect(notPem.stderr).toContain('is not in PEM form');
  const missing = await daebus('--tls-ca', '/no/such/ca.pem', 'health', service);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain('--tls-ca: cannot read "/no/such/ca.pem"');
});
