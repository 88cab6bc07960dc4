// Wire compatibility with Python Daebus peers, over a real Redis: a Python process calls this
// library's service, and this library's caller calls a Python service. The Python side is a
// standard-library stand-in (test/support/python/daebus_peer.py) that writes JSON as Python does.
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Daebus, DaebusCaller, request, response } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

const run = promisify(execFile);
const peer = join(__dirname, '..', 'support', 'python', 'daebus_peer.py');

async function python(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run('python3', [peer, ...args], { timeout: 20_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

let app: Daebus | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('interoperability with Python Daebus peers', () => {
  it('a Python caller gets replies, progress and errors from a service built with this library', async () => {
    const service = `py_interop_${randomUUID()}`;
    app = new Daebus('interop', { logger: captureLogger().logger });
    app.action('greet', async () => {
      await response.progress(50, { stage: 'half' });
      return { message: `héllo ✓ ${String(request.payload.name)}`, request_id_seen: request.requestId !== undefined };
    });
    app.action('check_job', () => response.error('Missing job_id parameter'));
    await app.start({ service, redis: TEST_REDIS_URL });

    const ok = await python('caller', TEST_REDIS_URL, service, 'greet', JSON.stringify({ name: 'Zoë' }));
    expect(ok).toEqual({
      progress: [{ stage: 'half', progress_percentage: 50 }],
      response: {
        status: 'success',
        payload: { message: 'héllo ✓ Zoë', request_id_seen: true },
        request_id: expect.any(String),
        final: true,
      },
    });
    const failed = await python('caller', TEST_REDIS_URL, service, 'check_job', '{}');
    expect(failed.response).toMatchObject({ status: 'error', payload: { error: 'Missing job_id parameter' }, final: true });
    const unknown = await python('caller', TEST_REDIS_URL, service, 'nope', '{}');
    expect(unknown.response).toMatchObject({ status: 'error', payload: { code: 'UNKNOWN_ACTION' } });
  });

  it("takes a Python send_to_service message: the handler gets the message's own fields", async () => {
    const service = `py_interop_${randomUUID()}`;
    const got: unknown[] = [];
    app = new Daebus('interop', { logger: captureLogger().logger });
    app.action('log_info', (payload) => {
      got.push(payload);
    });
    await app.start({ service, redis: TEST_REDIS_URL });
    await expect(
      python('send_to_service', TEST_REDIS_URL, service, 'log_info', JSON.stringify({ timestamp: 1625176230, info: 'ünïcode' })),
    ).resolves.toEqual({
      receivers: 1,
    });
    await waitFor(() => got.length === 1, 'the handler');
    expect(got[0]).toEqual({ timestamp: 1625176230, info: 'ünïcode' });
  });

  it("this library's caller calls a Python service: progress, result and error", async () => {
    const service = `py_service_${randomUUID()}`;
    const child = spawn('python3', [peer, 'service', TEST_REDIS_URL, service], { stdio: ['ignore', 'pipe', 'inherit'] });
    const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 5_000 });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`the Python service exited with ${String(code)}`)));
      });
      const progress: unknown[] = [];
      await expect(caller.sendRequest('echo', { word: 'naïve' }, { onProgress: (p) => progress.push(p) })).resolves.toEqual({
        echo: { word: 'naïve' },
        from: 'python',
      });
      expect(progress).toEqual([{ echo: { word: 'naïve' }, from: 'python' }]);
      await expect(caller.sendRequest('anything')).rejects.toMatchObject({ code: 'REMOTE_ERROR', message: 'Missing job_id parameter' });
    } finally {
      await caller.close();
      child.kill();
    }
  });
});
