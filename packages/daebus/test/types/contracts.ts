// Type tests: compiled by the package's typecheck (tsc), never run. Each `@ts-expect-error` line
// must be an error: if the library stopped rejecting it, tsc reports the unused directive.
import { Blueprint, BuiltinActions, Daebus, DaebusCaller, type Health, type ThreadContext } from 'daebus';
import { defineHandler, defineThread } from 'daebus/thread';

interface JobsApi {
  submit_job: { payload: { job_id: string; data: number }; result: { status: 'queued' } };
  check_job: { payload: { job_id: string }; result: { status: string; position?: number } };
  ping: { result: { pong: true } };
}

const app = new Daebus<JobsApi>('jobs');

// handlers: the payload is typed, and so is what they return
app.action('submit_job', (payload) => {
  const id: string = payload.job_id;
  void id;
  return { status: 'queued' as const };
});
app.action('check_job', async ({ job_id }) => ({ status: job_id.length > 0 ? 'completed' : 'not_found' }));
app.action('ping', () => ({ pong: true as const }));
app.action('ping', () => undefined); // answering through `response` instead is allowed
// @ts-expect-error an action the contract does not name
app.action('nope', () => ({}));
// @ts-expect-error a result of the wrong shape
app.action('ping', () => ({ pong: false }));
app.action('check_job', (payload) => {
  // @ts-expect-error a payload field used as the wrong type
  const n: number = payload.job_id;
  return { status: String(n) };
});

// a contract whose payload could never arrive (an array, a primitive): its handler does not compile
interface ImpossibleApi {
  add: { payload: number[]; result: number };
  shout: { payload: string; result: string };
  nothing: { payload: void; result: void };
  anything: { payload: unknown; result: unknown };
}
const impossible = new Daebus<ImpossibleApi>('impossible');
// @ts-expect-error an array payload never arrives: the caller and the service refuse it
impossible.action('add', (numbers) => numbers.length);
// @ts-expect-error nor does a string
impossible.action('shout', (text) => text.toUpperCase());
impossible.action('nothing', () => undefined);
impossible.action('anything', (payload) => payload);

const bp = new Blueprint<JobsApi>('more');
// @ts-expect-error blueprints are checked the same way
bp.action('check_job', () => ({ state: 'x' }));
app.registerBlueprint(bp);

// callers: names and payloads are checked, results typed
const caller = new DaebusCaller<JobsApi>('jobs');
export async function calls(): Promise<void> {
  const queued = await caller.sendRequest('submit_job', { job_id: 'a', data: 1 }, { timeoutMs: 1_000 });
  const status: 'queued' = queued.status;
  void status;
  // @ts-expect-error the result used as what it is not
  const wrong: number = queued.status;
  void wrong;
  // @ts-expect-error a payload missing a field
  await caller.sendRequest('submit_job', { job_id: 'a' });
  // @ts-expect-error a payload that is required, left out
  await caller.sendRequest('check_job');
  // @ts-expect-error an action the contract does not name
  await caller.sendRequest('submit');
  const pong: true = (await caller.sendRequest('ping')).pong; // no payload needed
  void pong;
  // a payload written void or undefined may be left out, or given as the {} it arrives as
  const loose = new DaebusCaller<ImpossibleApi & { quiet: { payload: undefined; result: void } }>('impossible');
  await loose.sendRequest('nothing');
  await loose.sendRequest('nothing', {});
  await loose.sendRequest('quiet', {});
  // @ts-expect-error but nothing else
  await loose.sendRequest('nothing', { a: 1 });
  // the built-in actions every service answers, typed, from the same caller
  const health: Health = await caller.sendRequest(BuiltinActions.health);
  const threads: string[] = (await caller.sendRequest(BuiltinActions.threads)).threads.map((s) => s.name);
  void [health, threads];
  await caller.sendRequest(BuiltinActions.threadRestart, { name: 'worker', token: 't' });
  // @ts-expect-error an admin action needs the thread's name
  await caller.sendRequest(BuiltinActions.threadRestart, {});
  // @ts-expect-error a built-in result used as what it is not
  const notHealth: number = await caller.sendRequest(BuiltinActions.health);
  void notHealth;
}

// untyped use keeps working: any name, an object payload, an unknown result
const loose = new Daebus('loose');
loose.action('anything', (payload) => ({ echo: payload.whatever }));
export async function looseCalls(): Promise<unknown> {
  const looseCaller = new DaebusCaller('loose');
  await looseCaller.sendRequest('any');
  const ready: boolean = (await looseCaller.sendRequest(BuiltinActions.health)).ready; // built-ins are typed here too
  void ready;
  return looseCaller.sendRequest('any', { a: 1 }, { timeoutMs: 10 });
}

// an inline thread's `t` is the thread context, without an annotation
app.thread('monitor', async (running, t) => {
  t.log.info('monitoring');
  while (running()) await t.sleep(1_000);
});
export function usesContext(t: ThreadContext): boolean {
  return t.running();
}

// typed workerData and messages
interface SocketMessages {
  send: { payload: { text: string }; result: { sent: boolean } };
  connected: { result: boolean };
}
export const socketThread = defineThread<{ url: string }, SocketMessages>(async (running, t) => {
  const url: string = t.workerData.url;
  void url;
  t.on('send', (payload) => ({ sent: payload.text.length > 0 }));
  t.on('connected', () => true);
  // @ts-expect-error a handler answering the wrong type
  t.on('connected', () => 'yes');
  // @ts-expect-error a message the thread does not know
  t.on('disconnect', () => undefined);
  while (running()) await t.sleep(1_000);
});
export async function messages(): Promise<boolean> {
  const socket = app.thread<SocketMessages>('socket');
  const { sent } = await socket.request('send', { text: 'hi' }, { timeoutMs: 500 });
  socket.post('send', { text: 'no answer needed' });
  // @ts-expect-error a payload of the wrong shape
  await socket.request('send', { txt: 'hi' });
  return sent && (await socket.request('connected'));
}

// pooled handlers
export const fib = defineHandler<{ n: number }, { fib: number }>((payload) => ({ fib: payload.n }));
// @ts-expect-error a pooled handler returning the wrong type
export const badFib = defineHandler<{ n: number }, { fib: number }>((payload) => ({ fib: String(payload.n) }));

// a payload written as void or undefined may be left out, as an empty one may
interface NoPayloadApi {
  tick: { payload: void; result: { ok: true } };
  tock: { payload: undefined; result: { ok: true } };
}
export async function noPayload(c: DaebusCaller<NoPayloadApi>): Promise<void> {
  await c.sendRequest('tick');
  await c.sendRequest('tock');
}

// route options: methods as the route takes them
app.route('/jobs', () => ({}), { methods: ['POST', 'get'] });
// @ts-expect-error a method no route takes
app.route('/jobs2', () => ({}), { methods: ['PUTT'] });
app.route('/jobs3', async (_req, { broadcast }) => {
  await broadcast('jobs.events', { created: true });
  // @ts-expect-error a broadcast's payload is a JSON object
  await broadcast('jobs.events', 'created');
});
