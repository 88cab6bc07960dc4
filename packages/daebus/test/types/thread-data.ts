// Type tests: compiled by the package's typecheck (tsc, strict), never run. An inline thread's
// workerData option is checked against the type its `t` is annotated with, and types
// `t.workerData` where `t` is not annotated; a module thread's is not checked (nothing to check it by).
import { Blueprint, Daebus } from 'daebus';
import type { ThreadContext } from 'daebus/thread';

const app = new Daebus('data');

app.thread(
  'annotated',
  async (running, t: ThreadContext<{ url: string; every: number }>) => {
    while (running()) await t.sleep(t.workerData.every);
  },
  { workerData: { url: 'http://x', every: 5 } },
);

app.thread(
  'annotated-wrong',
  async (running, t: ThreadContext<{ url: string; every: number }>) => {
    while (running()) await t.sleep(t.workerData.every);
  },
  // @ts-expect-error every must be a number
  { workerData: { url: 'http://x', every: '5' } },
);

app.thread(
  'annotated-missing',
  async (running, t: ThreadContext<{ url: string; every: number }>) => {
    while (running()) await t.sleep(t.workerData.every);
  },
  // @ts-expect-error url is missing
  { workerData: { every: 5 } },
);

app.thread(
  'inferred',
  async (running, t) => {
    const every: number = t.workerData.every;
    // @ts-expect-error workerData has no such field
    void t.workerData.evry;
    while (running()) await t.sleep(every);
  },
  { workerData: { every: 5 } },
);

// without workerData, an unannotated t's workerData is unknown, as before
app.thread('bare', async (running, t) => {
  // @ts-expect-error unknown: narrow it first
  void t.workerData.every;
  while (running()) await t.sleep(10);
});

// a module thread takes any workerData; messages still typed by the explicit argument
interface Messages {
  ping: { payload: { n: number }; result: number };
}
export const handle = app.thread<Messages>('module', './worker.js', { workerData: { anything: true } });
void handle.request('ping', { n: 1 });

new Blueprint('bp').thread(
  'bp-annotated',
  async (running, t: ThreadContext<{ every: number }>) => {
    while (running()) await t.sleep(t.workerData.every);
  },
  // @ts-expect-error every must be a number
  { workerData: { every: 'often' } },
);

// a body annotated with data that does not take undefined needs that data: without it,
// t.workerData is undefined at run time (it compiled, and the thread crashed reading it)
// @ts-expect-error no options: workerData is missing
app.thread('annotated-unfed', async (running, t: ThreadContext<{ every: number }>) => {
  while (running()) await t.sleep(t.workerData.every);
});
app.thread(
  'annotated-unfed-options',
  async (running, t: ThreadContext<{ every: number }>) => {
    while (running()) await t.sleep(t.workerData.every);
  },
  // @ts-expect-error options without workerData
  { initialDelayMs: 10 },
);
// @ts-expect-error the same on a blueprint
new Blueprint('bp2').thread('bp-unfed', async (running, t: ThreadContext<{ every: number }>) => {
  while (running()) await t.sleep(t.workerData.every);
});
// data that may be missing, the body checking for it, needs none
app.thread('annotated-optional', async (running, t: ThreadContext<{ every: number } | undefined>) => {
  while (running()) await t.sleep(t.workerData?.every ?? 10);
});

// an inline thread registered with its messages: `t.on` is typed by them, as the handle is
interface Greeter {
  hello: { payload: { who: string }; result: string };
}
const greeter = app.thread<Greeter>('greeter', async (running, t) => {
  t.on('hello', ({ who }) => `hello ${who}`);
  // @ts-expect-error a message the interface does not name
  t.on('bye', () => 'bye');
  // @ts-expect-error a handler answering the wrong type
  t.on('hello', () => 42);
  while (await t.sleep(1_000));
});
export const greeted: Promise<string> = greeter.request('hello', { who: 'you' });
// with its messages inferred from an annotated `t`, the handle is typed too
const inferred = app.thread('greeter-inferred', async (running, t: ThreadContext<undefined, Greeter>) => {
  t.on('hello', ({ who }) => who);
});
// @ts-expect-error a payload of the wrong shape
void inferred.request('hello', { name: 'you' });
