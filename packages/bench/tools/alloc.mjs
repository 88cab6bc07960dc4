// Bytes allocated per in-process action round trip, and which functions allocate them: V8's
// sampling heap profiler, keeping the samples of objects already collected (the garbage is the
// point). Not run by the benchmark runner: it slows the calls it measures. Unlike a timing, the
// figure hardly moves between runs, so it shows what a change to the request path saves.
//
//   node packages/bench/tools/alloc.mjs [calls] [top]
import { randomUUID } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { Daebus, DaebusCaller, createLogger } from 'daebus';
import { bareRoundTrip } from '../lib/bare-round-trip.mjs';

const calls = Number(process.argv[2] ?? 50_000);
const top = Number(process.argv[3] ?? 15);

const logger = createLogger({ level: 'error' });
logger.silent = true;
const app = new Daebus('bench-alloc', { logger });
const handler = (payload) => ({ ok: true, echo: payload.n });
app.action('echo', handler);
const service = `bench-alloc-${randomUUID()}`;
await app.start({ service, transport: 'memory' });
const caller = new DaebusCaller(service, { transport: 'memory', timeoutMs: 10_000 });
const bare = bareRoundTrip(handler);
const payload = { n: 1 };

const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');

/** Sampled bytes per call of `fn`, in total and by allocating function. */
async function allocation(fn) {
  for (let i = 0; i < 20_000; i++) await fn(); // optimized before it is sampled
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 64,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  for (let i = 0; i < calls; i++) await fn();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  const byFunction = new Map();
  let total = 0;
  const walk = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(packages|node_modules)\//, '')}:${lineNumber + 1}`;
    if (node.selfSize > 0) byFunction.set(where, (byFunction.get(where) ?? 0) + node.selfSize);
    total += node.selfSize;
    node.children.forEach(walk);
  };
  walk(profile.head);
  return { total: total / calls, byFunction: [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top) };
}

try {
  const lib = await allocation(() => caller.sendRequest('echo', payload));
  const floor = await allocation(() => bare(payload));
  console.log(`Node ${process.versions.node}, ${calls} sequential calls each, sampled every 64 bytes`);
  console.log(`library (caller.sendRequest on the memory transport): ${lib.total.toFixed(0)} bytes per round trip`);
  console.log(`bare round trip (lib/bare-round-trip.mjs):             ${floor.total.toFixed(0)} bytes per round trip`);
  console.log(`\nwhere the library's bytes are allocated (per round trip):`);
  for (const [where, bytes] of lib.byFunction) console.log(`${(bytes / calls).toFixed(0).padStart(6)}  ${where}`);
} finally {
  session.disconnect();
  await caller.close();
  await app.stop();
}
