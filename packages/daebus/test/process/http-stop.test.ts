// A service with HTTP routes run as its own process, stopped by signals: requests given up on
// count as abandoned work (exit code 1), and a forced stop answers them 503 before it cuts.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { onJsonLines } from '../support/helpers';
import { http, TestSocket, type Answer } from '../support/http-client';

const MAIN = join(__dirname, '..', '..', 'dist', 'main', 'index.js');

/** The service: `/forever` never answers and holds the loop; `/slow` answers after 5 s. */
const SCRIPT = `
const { Daebus, createLogger } = require(${JSON.stringify(MAIN)});
const say = (what) => process.stdout.write(JSON.stringify(what) + '\\n');
const app = new Daebus('http_stop', { logger: createLogger({ json: true, level: 'info' }), drainTimeoutMs: Number(process.env.DRAIN_MS) });
app.route('/forever', () => {
  say({ handling: 'forever' });
  setInterval(() => undefined, 1_000);
  return new Promise(() => undefined);
});
app.route('/slow', async () => {
  say({ handling: 'slow' });
  await new Promise((r) => setTimeout(r, 5_000));
  return { slow: 'done' };
});
app.socket('forever', () => {
  say({ handling: 'ws forever' });
  return new Promise(() => undefined);
});
app.onStart(() => say({ url: app.http.url, ws: app.http.websocketUrl }));
// the application's own timer, never cleared: it keeps the process up after a clean stop
if (process.env.HOLD === '1') app.onStart(() => void setInterval(() => undefined, 1_000));
app.run({ service: process.env.SERVICE, transport: 'memory', http: { port: 0, host: '127.0.0.1' } }).then((code) => say({ resolved: code }));
`;

interface Run {
  code: number | null;
  lines: Record<string, unknown>[];
  answer: Answer | undefined;
}

/** Run the service, request `path` once it listens, and call `onLine` with each line it prints. */
function runHttpService(
  path: string,
  drainMs: number,
  onLine: (line: Record<string, unknown>, child: ChildProcess) => void,
  env: NodeJS.ProcessEnv = {},
): Promise<Run> {
  const child = spawn(process.execPath, ['-e', SCRIPT], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DRAIN_MS: String(drainMs), SERVICE: `http_stop_${randomUUID()}`, ...env },
  });
  // a process that never exits fails the test instead of hanging it
  const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const lines: Record<string, unknown>[] = [];
  let answer: Promise<Answer | undefined> = Promise.resolve(undefined);
  onJsonLines(child.stdout, (line) => {
    lines.push(line);
    if (typeof line.url === 'string') answer = http(`${line.url}${path}`).catch(() => undefined);
    onLine(line, child);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(guard);
      void answer.then((a) => resolve({ code, lines, answer: a }));
    });
  });
}

const messages = (run: Run): string[] => run.lines.map((l) => String(l.message));

describe('an HTTP service process', () => {
  it('counts requests given up on at the stop as abandoned: named, exit code 1, and the process ends', async () => {
    const run = await runHttpService('/forever', 300, (line, child) => {
      if (line.handling === 'forever') child.kill('SIGINT');
    });
    expect(run.answer).toMatchObject({ status: 503, body: { code: 'STOPPED' } });
    expect(run.code).toBe(1);
    expect(run.lines).toContainEqual({ resolved: 1 });
    expect(messages(run)).toContainEqual(expect.stringMatching(/stopped; abandoned HTTP request\(s\): GET \/forever$/));
    expect(messages(run)).toContainEqual(expect.stringMatching(/^Still running 2 s after the stop .* exiting with code 1$/));
  });

  it('says what keeps it running when the application holds the event loop past a clean stop (it is not ended: the stop was clean)', async () => {
    const run = await runHttpService(
      '/missing',
      300,
      (line, child) => {
        if (typeof line.url === 'string') child.kill('SIGTERM');
        // seen: the process would run on; the test ends it
        if (typeof line.message === 'string' && line.message.startsWith('Still running')) child.kill('SIGKILL');
      },
      { HOLD: '1' },
    );
    expect(run.lines).toContainEqual({ resolved: 0 });
    // before: nothing more was logged, and the process ran on until killed
    expect(messages(run)).toContainEqual(
      expect.stringMatching(
        /^Still running 5 s after a clean stop: something the application opened keeps .*\(Timeout\)\. Close it once run\(\) resolves/,
      ),
    );
  });

  it('answers a request in flight 503 STOPPED on a second signal before it cuts the connections', async () => {
    const run = await runHttpService('/slow', 60_000, (line, child) => {
      if (line.handling === 'slow') child.kill('SIGINT');
      // past the window in which a repeat counts as the same signal delivered twice
      if (String(line.message).startsWith('Waiting up to 60 s')) setTimeout(() => child.kill('SIGINT'), 150);
    });
    expect(run.answer).toMatchObject({ status: 503, body: { code: 'STOPPED', error: expect.stringContaining('forced to stop') } });
    expect(run.code).toBe(1);
    expect(messages(run)).toContain('Forced stop: gave up on GET /slow');
  });

  it('names the WebSocket messages a forced stop gave up on, as a stop names them (before: only the requests)', async () => {
    let client: TestSocket | undefined;
    let handling = 0;
    const run = await runHttpService('/slow', 60_000, (line, child) => {
      if (typeof line.ws === 'string') void TestSocket.connect(line.ws).then((c) => (client = c).send({ type: 'forever', id: 1 }));
      if (line.handling === 'slow' || line.handling === 'ws forever') handling += 1;
      if (handling === 2 && line.handling !== undefined) child.kill('SIGINT');
      if (String(line.message).startsWith('Waiting up to 60 s')) setTimeout(() => child.kill('SIGINT'), 150);
    });
    client?.socket.terminate();
    expect(run.code).toBe(1);
    expect(messages(run)).toContainEqual(
      expect.stringMatching(
        /^Waiting up to 60 s for 1 HTTP request\(s\): GET \/slow, and 1 WebSocket message\(s\): "forever" \(client .+\)$/,
      ),
    );
    expect(messages(run)).toContainEqual(
      expect.stringMatching(/^Forced stop: gave up on GET \/slow, WebSocket message\(s\) "forever" \(client .+\)$/),
    );
  });
});
