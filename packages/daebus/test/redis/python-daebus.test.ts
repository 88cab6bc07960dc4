// Interoperability with the REAL Python Daebus package (not the stand-in of interop.test.ts), over
// a real Redis: the Python DaebusCaller calls a service built with this library, and this
// library's DaebusCaller calls a Python Daebus service. The Python side is
// test/support/python/real_daebus_peer.py, run with Debian's python3 and the copy of the package
// in test/support/python/daebus-py. A machine without python3-redis skips this file.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Daebus, DaebusCaller, request, response } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

const REDIS_URL = TEST_REDIS_URL;
const DAEBUS_PY = join(__dirname, '..', 'support', 'python', 'daebus-py');
const PYTHON = '/usr/bin/python3';
const PEER = join(__dirname, '..', 'support', 'python', 'real_daebus_peer.py');
const PYTHON_ENV = { ...process.env, PYTHONPATH: DAEBUS_PY, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' };

const redisAddress = new URL(REDIS_URL);
const REDIS_HOST = redisAddress.hostname || '127.0.0.1';
const REDIS_PORT = redisAddress.port || '6379';

/** Why the real Python package cannot be run here, or undefined when it can. */
function unavailable(): string | undefined {
  if (!existsSync(join(DAEBUS_PY, 'daebus', '__init__.py'))) return `the Python Daebus package is not at ${DAEBUS_PY}`;
  for (const module of ['redis', 'daebus']) {
    const probe = spawnSync(PYTHON, ['-c', `import ${module}`], { env: PYTHON_ENV, encoding: 'utf8', timeout: 20_000 });
    if (probe.error || probe.status !== 0) {
      const why = probe.error?.message ?? probe.stderr.trim().split('\n').pop();
      return `${PYTHON} -c "import ${module}" failed (${why}); apt-get install -y python3-redis python3-apscheduler python3-websockets`;
    }
  }
  return undefined;
}

const skipReason = unavailable();
if (skipReason) console.log(`python-daebus.test.ts: skipped: ${skipReason}`);
const describeReal = skipReason ? describe.skip : describe;

// ---- child processes -------------------------------------------------------------------------

const children = new Set<ChildProcessWithoutNullStreams>();

function spawnPeer(args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(PYTHON, [PEER, ...args], { env: PYTHON_ENV, stdio: 'pipe' });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exited(child: ChildProcessWithoutNullStreams): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function killChildren(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (exited(child)) return resolve();
          const hard = setTimeout(() => child.kill('SIGKILL'), 3_000);
          child.once('exit', () => {
            clearTimeout(hard);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  children.clear();
}

/** Run the peer to completion; resolves with its JSON output. */
function runPeer(args: string[], deadlineMs = 20_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawnPeer(args);
    child.stdin.end();
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the Python peer (${args.join(' ')}) ran over ${deadlineMs} ms\nstderr:\n${stderr}`));
    }, deadlineMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(stdout) as Record<string, unknown>);
      } catch {
        reject(
          new Error(
            `the Python peer (${args.join(' ')}) exited with ${String(code)} and printed ${JSON.stringify(stdout)}\nstderr:\n${stderr}`,
          ),
        );
      }
    });
  });
}

interface PythonCall {
  ok: boolean;
  result?: unknown;
  error_type?: string;
  error?: string;
  progress: unknown[];
  /** Every message text published on the Python caller's reply channel, in order. */
  raw: string[];
  elapsed_s: number;
}

/** The real Python `DaebusCaller(service).send_request(action, payload, on_progress=...)`. */
async function pythonCall(service: string, action: string, payload: unknown, timeoutS = 5): Promise<PythonCall> {
  return (await runPeer([
    'caller',
    REDIS_HOST,
    REDIS_PORT,
    service,
    action,
    JSON.stringify(payload),
    String(timeoutS),
  ])) as unknown as PythonCall;
}

/** The real Python `DaebusCaller(service).send_to_service(payload, action=action)`. */
async function pythonSendToService(service: string, action: string, payload: unknown): Promise<Record<string, unknown>> {
  return runPeer(['send_to_service', REDIS_HOST, REDIS_PORT, service, action, JSON.stringify(payload)]);
}

interface PythonService {
  /** stdout lines after READY */
  lines: string[];
  stderr: () => string;
  /** The JSON of the next line starting with `tag` (RECEIVED, HEARD). */
  next: (tag: string) => Promise<Record<string, unknown>>;
}

/** A real Python Daebus service on `service`, subscribed once this resolves. */
async function startPythonService(service: string): Promise<PythonService> {
  const child = spawnPeer(['service', REDIS_HOST, REDIS_PORT, service]);
  const lines: string[] = [];
  let stderr = '';
  let buffered = '';
  const waiters: Array<() => void> = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts.filter((line) => line.length > 0));
    for (const wake of waiters.splice(0)) wake();
  });
  child.once('exit', () => {
    for (const wake of waiters.splice(0)) wake();
  });
  let taken = 0;
  const nextLine = async (match: (line: string) => boolean, what: string, deadlineMs = 15_000): Promise<string> => {
    const until = Date.now() + deadlineMs;
    for (;;) {
      while (taken < lines.length) {
        const line = lines[taken++] ?? '';
        if (match(line)) return line;
      }
      if (exited(child))
        throw new Error(`the Python service exited (${String(child.exitCode ?? child.signalCode)}) before ${what}\nstderr:\n${stderr}`);
      if (Date.now() > until) throw new Error(`timed out waiting for ${what} from the Python service\nstderr:\n${stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  await nextLine((line) => line === 'READY', 'READY', 20_000);
  return {
    lines,
    stderr: () => stderr,
    next: async (tag) =>
      JSON.parse((await nextLine((line) => line.startsWith(`${tag} `), tag)).slice(tag.length + 1)) as Record<string, unknown>,
  };
}

// ---- this library's side -----------------------------------------------------------------------

const apps: Daebus[] = [];
const callers: DaebusCaller[] = [];

async function startApp(service: string, register: (app: Daebus) => void): Promise<Daebus> {
  const app = new Daebus('node_side', { logger: captureLogger().logger });
  register(app);
  apps.push(app);
  await app.start({ service, redis: REDIS_URL });
  return app;
}

function newCaller(service: string, timeoutMs = 5_000): DaebusCaller {
  const caller = new DaebusCaller(service, { redis: REDIS_URL, timeoutMs });
  callers.push(caller);
  return caller;
}

const parse = (text: string | undefined): Record<string, unknown> => JSON.parse(text ?? 'null') as Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const unique = (what: string): string => `pydaebus_${what}_${randomUUID()}`;

afterEach(async () => {
  await Promise.allSettled(callers.splice(0).map((caller) => caller.close()));
  await Promise.allSettled(apps.splice(0).map((app) => app.stop()));
  await killChildren();
});

afterAll(async () => {
  await killChildren();
});

// ---- the tests -----------------------------------------------------------------------------------

describeReal('the real Python DaebusCaller calls a service built with this library', () => {
  it('gets a success reply in the wire format it reads (status, payload, request_id, final)', async () => {
    const service = unique('svc');
    let seen: Record<string, unknown> = {};
    await startApp(service, (app) =>
      app.action('greet', (payload) => {
        seen = { requestId: request.requestId, replyTo: request.replyTo, service: request.service };
        return { message: `héllo ✓ ${String(payload.name)}` };
      }),
    );

    const call = await pythonCall(service, 'greet', { name: 'Zoë' });

    expect(call).toMatchObject({ ok: true, result: { message: 'héllo ✓ Zoë' }, progress: [] });
    expect(call.raw).toHaveLength(1);
    const reply = parse(call.raw[0]);
    expect(Object.keys(reply)).toEqual(['status', 'payload', 'request_id', 'final']);
    expect(reply).toEqual({ status: 'success', payload: { message: 'héllo ✓ Zoë' }, request_id: expect.stringMatching(UUID), final: true });
    // the Python caller's request: its request_id and reply channel, and the target service's name
    expect(seen).toEqual({ requestId: reply.request_id, replyTo: expect.stringMatching(/^caller:/), service });
  });

  it('gets None for an answer of null, as from a Python service’s response.send(None)', async () => {
    const service = unique('svc');
    await startApp(service, (app) => app.action('find_user', () => null));
    const call = await pythonCall(service, 'find_user', { id: 7 });
    expect(call).toMatchObject({ ok: true, result: null });
    expect(parse(call.raw[0])).toMatchObject({ status: 'success', payload: null, final: true });
  });

  it('streams progress: response.progress and non-final sends reach on_progress, then the final reply', async () => {
    const service = unique('svc');
    await startApp(service, (app) =>
      app.action('build', async () => {
        await response.progress(25, { stage: 'load' });
        await response.send({ partial: [1, 2] }, { final: false });
        await response.progress(100);
        return { done: true };
      }),
    );

    const call = await pythonCall(service, 'build', {});

    expect(call).toMatchObject({ ok: true, result: { done: true } });
    expect(call.progress).toEqual([{ stage: 'load', progress_percentage: 25 }, { partial: [1, 2] }, { progress_percentage: 100 }]);
    // as Python's own progress helper sends them: non-final successes
    expect(call.raw.map(parse).map(({ status, final }) => ({ status, final }))).toEqual([
      { status: 'success', final: false },
      { status: 'success', final: false },
      { status: 'success', final: false },
      { status: 'success', final: true },
    ]);
  });

  it("sends Python's positional final and an error update (response.error(err, final=False)) as Python Daebus does: its caller's on_progress gets both", async () => {
    const service = unique('svc');
    await startApp(service, (app) =>
      app.action('ported', async () => {
        await response.send({ step: 1 }, false);
        await response.error('row 2 skipped', { final: false });
        return { imported: 1 };
      }),
    );

    const call = await pythonCall(service, 'ported', {});

    expect(call).toMatchObject({ ok: true, result: { imported: 1 } });
    expect(call.progress).toEqual([{ step: 1 }, { error: 'row 2 skipped', code: 'HANDLER_ERROR' }]);
    expect(call.raw.map(parse).map(({ status, final }) => ({ status, final }))).toEqual([
      { status: 'success', final: false },
      { status: 'error', final: false },
      { status: 'success', final: true },
    ]);
  });

  // Python's progress helper clamps the percentage to 0..100; so does this library's.
  it('clamps progress_percentage to 0..100 as the Python progress helper does', async () => {
    const service = unique('svc');
    await startApp(service, (app) =>
      app.action('over', async () => {
        await response.progress(150, { stage: 'over' });
        await response.progress(-5, { stage: 'under' });
        return {};
      }),
    );

    const call = await pythonCall(service, 'over', {});

    expect(call.progress).toEqual([
      { stage: 'over', progress_percentage: 100 },
      { stage: 'under', progress_percentage: 0 },
    ]);
  });

  // A string payload that is not JSON: a Python service runs the handler with {}; this library
  // answers BAD_REQUEST on purpose (docs/protocol.md, "Where this library differs").
  it('answers a string payload that is not JSON with a BAD_REQUEST error the Python caller raises', async () => {
    const service = unique('svc');
    await startApp(service, (app) => app.action('record', (payload) => ({ got: payload })));

    const call = await pythonCall(service, 'record', 'not json');

    expect(call).toMatchObject({ ok: false, error: expect.stringContaining('is a string that is not JSON') });
  });

  it('gets an error reply as an Exception carrying payload.error (response.error and a throwing handler)', async () => {
    const service = unique('svc');
    await startApp(service, (app) =>
      app
        .action('check_job', () => response.error('Missing job_id parameter'))
        .action('explode', () => {
          throw new Error('kaputt ✗');
        }),
    );

    const failed = await pythonCall(service, 'check_job', {});
    expect(failed).toMatchObject({ ok: false, error_type: 'Exception', error: 'Missing job_id parameter', progress: [] });
    expect(parse(failed.raw[0])).toEqual({
      status: 'error',
      payload: { error: 'Missing job_id parameter', code: 'HANDLER_ERROR' },
      request_id: expect.stringMatching(UUID),
      final: true,
    });

    const thrown = await pythonCall(service, 'explode', {});
    expect(thrown).toMatchObject({ ok: false, error_type: 'Exception', error: 'kaputt ✗' });
    expect(parse(thrown.raw[0])).toMatchObject({ status: 'error', payload: { error: 'kaputt ✗', code: 'HANDLER_ERROR' }, final: true });
  });

  it('gets an error reply for an unknown action at once (a Python service would leave it to time out)', async () => {
    const service = unique('svc');
    await startApp(service, (app) => app.action('known', () => ({})));

    const call = await pythonCall(service, 'nope', {}, 5);

    expect(call).toMatchObject({ ok: false, error_type: 'Exception', error: expect.stringContaining('Unknown action "nope"') });
    expect(call.elapsed_s).toBeLessThan(4);
    expect(parse(call.raw[0])).toMatchObject({ status: 'error', payload: { code: 'UNKNOWN_ACTION' }, final: true });
  });

  it('reads the built-in actions: daebus.threads, daebus.health, and an admin action with its token', async () => {
    const service = unique('svc');
    const app = new Daebus('node_side', { logger: captureLogger().logger, admin: { token: 'python-token' } });
    app.thread('sleeper', async (running, t) => {
      while (running()) await t.sleep(50);
    });
    apps.push(app);
    await app.start({ service, redis: REDIS_URL });

    const threads = await pythonCall(service, 'daebus.threads', {});
    expect(threads).toMatchObject({ ok: true, result: { threads: [expect.objectContaining({ name: 'sleeper', state: 'running' })] } });
    const health = await pythonCall(service, 'daebus.health', {});
    expect(health).toMatchObject({ ok: true, result: { status: 'ok', ready: true, transport: { connected: true } } });
    const refused = await pythonCall(service, 'daebus.thread.stop', { name: 'sleeper' });
    expect(refused).toMatchObject({ ok: false, error: expect.stringContaining('admin token') });
    const stopped = await pythonCall(service, 'daebus.thread.stop', { name: 'sleeper', token: 'python-token' });
    expect(stopped).toMatchObject({ ok: true, result: { name: 'sleeper', state: 'stopped' } });
  });
});

describeReal("Python's NaN and Infinity (json.dumps writes them by default)", () => {
  it('a reply, a progress update and a broadcast from a Python service read as NaN, Infinity, -Infinity', async () => {
    const pyService = unique('pysvc');
    const channel = unique('readings');
    const heard: unknown[] = [];
    await startApp(unique('svc'), (a) => a.listen(channel, (payload) => void heard.push(payload)));
    await startPythonService(pyService);
    const caller = newCaller(pyService);
    const progress: unknown[] = [];

    const reply = await caller.sendRequest('nonfinite', { channel }, { onProgress: (p) => progress.push(p) });

    expect(reply).toEqual({ value: NaN, high: Infinity, low: -Infinity, text: 'NaN' });
    expect(progress).toEqual([{ p: Infinity }]);
    await waitFor(() => heard.length === 1, 'the broadcast from Python');
    expect(heard).toEqual([{ temp: NaN }]);
  });

  it("a Python caller's request holding NaN runs (JSON.stringify answers it with null)", async () => {
    const service = unique('svc');
    let seen: unknown;
    await startApp(service, (app) =>
      app.action('echo', (payload) => {
        seen = payload.v;
        return payload;
      }),
    );

    // the payload argument is read with Python's json.loads, which takes NaN
    const call = (await runPeer(['caller', REDIS_HOST, REDIS_PORT, service, 'echo', '{"v": NaN}', '5'])) as unknown as PythonCall;

    expect(call).toMatchObject({ ok: true, result: { v: null } });
    expect(seen).toBeNaN();
  });
});

describeReal('the real Python send_to_service reaches an action of this library', () => {
  it("gives the handler the message's own fields, with no request id and nowhere to reply", async () => {
    const service = unique('svc');
    const got: Array<{ payload: unknown; requestId: unknown; replyTo: unknown }> = [];
    await startApp(service, (app) =>
      app.action('log_info', (payload) => {
        got.push({ payload, requestId: request.requestId, replyTo: request.replyTo });
      }),
    );

    await expect(pythonSendToService(service, 'log_info', { timestamp: 1625176230, info: 'ünïcode' })).resolves.toEqual({ receivers: 1 });

    await waitFor(() => got.length === 1, 'the log_info handler');
    expect(got[0]).toEqual({ payload: { timestamp: 1625176230, info: 'ünïcode' }, requestId: undefined, replyTo: undefined });
  });
});

describeReal("this library's DaebusCaller calls a real Python Daebus service", () => {
  it('gets a success reply; the Python service reads the request as its own caller writes it', async () => {
    const service = unique('pysvc');
    const python = await startPythonService(service);
    const caller = newCaller(service);

    await expect(caller.sendRequest('echo', { word: 'naïve ✓', n: 3 })).resolves.toEqual({
      echo: { word: 'naïve ✓', n: 3 },
      from: 'python',
    });

    await expect(caller.sendRequest('record', { x: 1 })).resolves.toEqual({ recorded: true });
    const seen = await python.next('RECEIVED');
    expect(seen.keys).toEqual(['action', 'payload', 'reply_to', 'request_id', 'service']);
    expect(seen).toMatchObject({
      payload: { x: 1 },
      reply_to: caller.replyChannel,
      request_id: expect.stringMatching(UUID),
      service,
    });
    expect(caller.replyChannel).toMatch(/^caller:[0-9a-f-]{36}$/);
  });

  it("passes Python's progress updates (response.progress) to onProgress, then resolves with the final reply", async () => {
    const service = unique('pysvc');
    await startPythonService(service);
    const caller = newCaller(service);
    const progress: unknown[] = [];

    await expect(caller.sendRequest('steps', { steps: 4 }, { onProgress: (p) => progress.push(p) })).resolves.toEqual({
      done: true,
      steps: 4,
    });

    expect(progress).toEqual([
      { step: 1, progress_percentage: 25 },
      { step: 2, progress_percentage: 50 },
      { step: 3, progress_percentage: 75 },
      { step: 4, progress_percentage: 100 },
    ]);
  });

  it("rejects with REMOTE_ERROR carrying Python's payload.error", async () => {
    const service = unique('pysvc');
    await startPythonService(service);
    const caller = newCaller(service);

    const failure = caller.sendRequest('fail', {});
    await expect(failure).rejects.toMatchObject({ code: 'REMOTE_ERROR', message: 'Missing job_id parameter' });
    await expect(failure).rejects.toMatchObject({ details: { service } });
  });

  // Python's DaebusCaller hands every non-final message to the progress callback, errors included,
  // and so does this library's: the request completes with the final reply.
  it('treats a non-final error (response.error(..., final=False)) as a progress update, as the Python caller does', async () => {
    const service = unique('pysvc');
    await startPythonService(service);
    const caller = newCaller(service);
    const progress: unknown[] = [];

    await expect(caller.sendRequest('soft_error', {}, { onProgress: (p) => progress.push(p) })).resolves.toEqual({ after_warning: true });
    expect(progress).toEqual([{ error: 'just a warning' }]);
  });

  it('what the Python service does with an unknown action and a raising handler: no reply, so the caller times out', async () => {
    const service = unique('pysvc');
    const python = await startPythonService(service);
    const caller = newCaller(service);

    await expect(caller.sendRequest('nope', {}, { timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(caller.sendRequest('raises', {}, { timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    // ... and only logs them; the service goes on answering
    await waitFor(() => python.stderr().includes('Error processing message: boom from python'), 'the logged exception');
    expect(python.stderr()).toContain("No handler for action 'nope'");
    await expect(caller.sendRequest('echo', { still: 'alive' })).resolves.toEqual({ echo: { still: 'alive' }, from: 'python' });
  });

  it("sendToService reaches a Python action, which (Python's behaviour) sees an empty payload", async () => {
    const service = unique('pysvc');
    const python = await startPythonService(service);
    const caller = newCaller(service);

    await expect(caller.sendToService({ info: 'hello', n: 2 }, 'record')).resolves.toBe(1);

    const seen = await python.next('RECEIVED');
    // the same message the Python caller's send_to_service writes: the fields, then "action"
    expect(seen.raw).toEqual({ info: 'hello', n: 2, action: 'record' });
    expect(seen.keys).toEqual(['info', 'n', 'action']);
    // Python hands its handler payload {} (there is no "payload" key) and no reply address
    expect(seen).toMatchObject({ payload: {}, request_id: null, reply_to: null, service: null });
  });
});

describeReal('broadcasts between this library and a real Python Daebus service', () => {
  it('a Python broadcast reaches app.listen, and app.broadcast reaches a Python @app.listen', async () => {
    const pyService = unique('pysvc');
    const channel = unique('news');
    const heard: unknown[] = [];
    const app = await startApp(unique('svc'), (a) => a.listen(channel, (payload) => void heard.push(payload)));
    const python = await startPythonService(pyService);
    const caller = newCaller(pyService);

    await expect(caller.sendRequest('announce', { channel, message: { type: 'alert', text: 'ünï' } })).resolves.toEqual({ receivers: 1 });
    await waitFor(() => heard.length === 1, 'the broadcast from Python');
    expect(heard).toEqual([{ type: 'alert', text: 'ünï' }]);

    await expect(app.broadcast(`${pyService}.inbox`, { type: 'ping', n: 1 })).resolves.toBe(1);
    await expect(python.next('HEARD')).resolves.toEqual({ type: 'ping', n: 1 });
  });
});
