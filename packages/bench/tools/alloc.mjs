// Bytes allocated per in-process action round trip, and which functions allocate them, against
// the bare round trip (lib/bare-round-trip.mjs). Not run by the benchmark runner: the profiler
// slows the calls it samples. actions/memory-action prints the two totals on every run.
//
//   node packages/bench/tools/alloc.mjs [calls] [top]
import { randomUUID } from 'node:crypto';
import { Daebus, DaebusCaller, createLogger } from 'daebus';
import { allocationPerCall } from '../lib/allocation.mjs';
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

try {
  const lib = await allocationPerCall(() => caller.sendRequest('echo', payload), { calls, top });
  const floor = await allocationPerCall(() => bare(payload), { calls, top });
  console.log(`Node ${process.versions.node}, ${calls} sequential calls each, sampled every 64 bytes`);
  console.log(`library (caller.sendRequest on the memory transport): ${lib.perCall.toFixed(0)} bytes per round trip`);
  console.log(`bare round trip (lib/bare-round-trip.mjs):             ${floor.perCall.toFixed(0)} bytes per round trip`);
  console.log(`\nwhere the library's bytes are allocated (per round trip):`);
  for (const [bytes, where] of lib.top) console.log(`${bytes.toFixed(0).padStart(6)}  ${where}`);
} finally {
  await caller.close();
  await app.stop();
}
