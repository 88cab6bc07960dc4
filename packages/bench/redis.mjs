// Redis benchmarks (issue 4): an action round trip through DaebusCaller over Redis against a raw
// ioredis publish/subscribe request/response between the same two processes: the service (and
// the raw responder) in a child process, the caller (and the raw requester) in this one. Raw
// requests and replies carry the same JSON as the library's (docs/protocol.md), so the bytes on the
// wire are the same and only the code around them differs. Moleculer (issue 14) is measured as a
// peer in the same rounds: its service broker in the same child, its caller broker here. The
// throughput rows also measure a bare floor (lib/bare-redis.mjs): what is left of a request when
// nothing is parsed or kept, a ceiling rather than a usable client; and a parsed floor, the bare
// one plus the JSON any client and service of the wire format must parse and write.
import { closedLoop, interleave, pairedRatio, sequential } from './lib/drive.mjs';
import { SETUP_TEXT, setUp } from './lib/redis-sides.mjs';
import { result } from './lib/result.mjs';
import { fmt, median, percentile } from './lib/stats.mjs';

export const suite = 'redis';

// ---------------------------------------------------------------------------------------------
// 1. Sequential latency.

async function latency() {
  const rounds = 5;
  const n = 800;
  const env = await setUp();
  let out;
  let serverCores = null;
  try {
    const variant = (call) => async () => {
      const ms = await sequential(call, n);
      return { median: median(ms) * 1000, p95: percentile(ms, 95) * 1000 };
    };
    out = await interleave(
      {
        lib: variant(env.calls.lib),
        rawPiped: variant(env.calls.rawPiped),
        rawPlain: variant(env.calls.rawPlain),
        mol: variant(env.calls.mol),
      },
      rounds,
    );
    serverCores = await env.serverCores();
  } finally {
    await env.close();
  }
  const med = (name, field = 'median') => out[name].map((x) => x[field]);
  const lib = med('lib');
  const piped = med('rawPiped');
  const plain = med('rawPlain');
  const mol = med('mol');
  const best = piped.map((x, r) => Math.min(x, plain[r]));
  return result({
    library: median(lib),
    floor: median(piped),
    unit: 'µs per request',
    ratio: pairedRatio(lib, piped),
    ratioLabel: 'median of per-round lib/raw, raw with auto-pipelining on both publishers (as the library)',
    libraryLabel: `await caller.sendRequest('echo', {n}) over Redis, ${n} in a row, median per round`,
    floorLabel: 'raw ioredis request/response between the same two processes, auto-pipelining on both publishers',
    goal: { on: 'ratio', op: '<=', value: 1.2, text: '<= 1.20x of the raw round trip' },
    peer: {
      name: 'Moleculer',
      value: median(mol),
      ratio: pairedRatio(lib, mol),
      goal: { none: true, text: 'none given (reported only)' },
    },
    details: [
      `Moleculer broker.call over Redis: ${fmt(median(mol))} µs; lib/Moleculer ${pairedRatio(lib, mol).toFixed(2)}x ` +
        `(median of per-round ratios; below 1 = daebus faster); p95 ${fmt(median(med('mol', 'p95')))} µs`,
      `raw without auto-pipelining: ${fmt(median(plain))} µs; lib/raw(off) ${pairedRatio(lib, plain).toFixed(2)}x; ` +
        `lib/best raw per round ${pairedRatio(lib, best).toFixed(2)}x`,
      `p95 (median over rounds): lib ${fmt(median(med('lib', 'p95')))} µs, raw on ${fmt(median(med('rawPiped', 'p95')))} µs, ` +
        `raw off ${fmt(median(med('rawPlain', 'p95')))} µs`,
      `per-round medians (µs): lib ${lib.map((x) => fmt(x)).join(', ')}; raw on ${piped.map((x) => fmt(x)).join(', ')}; ` +
        `raw off ${plain.map((x) => fmt(x)).join(', ')}; Moleculer ${mol.map((x) => fmt(x)).join(', ')}`,
      SETUP_TEXT,
      serverText(serverCores),
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// 2-4. Throughput with 1, 16 and 256 requests in flight.

/**
 * `peerGoal`: the issue asks 2x Moleculer's throughput with 16 and 256 in flight; one request at
 * a time has a latency goal instead (the latency row), and Moleculer is reported only.
 */
function throughput(concurrency, total, { peerGoal = true } = {}) {
  return async () => {
    const rounds = 5;
    const env = await setUp();
    let out;
    let cpu;
    let serverCores = null;
    try {
      // requests/s, and the CPU time each process spent per request meanwhile
      const variant = (call) => async () => {
        const service0 = await env.child.cpu();
        const own0 = process.cpuUsage();
        const perSecond = await closedLoop(call, total, concurrency);
        const own = process.cpuUsage(own0);
        const service = (await env.child.cpu()) - service0;
        return { perSecond, callerCpuUs: (own.user + own.system) / total, serviceCpuUs: service / total };
      };
      const runs = await interleave(
        {
          lib: variant(env.calls.lib),
          rawPiped: variant(env.calls.rawPiped),
          rawPlain: variant(env.calls.rawPlain),
          bare: variant(env.calls.bare),
          parsed: variant(env.calls.parsed),
          mol: variant(env.calls.mol),
        },
        rounds,
      );
      out = Object.fromEntries(Object.entries(runs).map(([name, xs]) => [name, xs.map((x) => x.perSecond)]));
      cpu = Object.fromEntries(
        Object.entries(runs).map(([name, xs]) => [
          name,
          { caller: median(xs.map((x) => x.callerCpuUs)), service: median(xs.map((x) => x.serviceCpuUs)) },
        ]),
      );
      serverCores = await env.serverCores();
    } finally {
      await env.close();
    }
    const { lib, rawPiped: piped, rawPlain: plain, bare, parsed, mol } = out;
    const cpuText = (name) => `caller ${fmt(cpu[name].caller)} µs + service ${fmt(cpu[name].service)} µs`;
    const best = piped.map((x, r) => Math.max(x, plain[r]));
    return result({
      library: median(lib),
      floor: median(piped),
      unit: 'requests/s',
      ratio: pairedRatio(lib, piped),
      ratioLabel: 'median of per-round lib/raw, raw with auto-pipelining on both publishers (as the library)',
      libraryLabel: `${total} caller.sendRequest('echo') with ${concurrency} in flight`,
      floorLabel: `raw ioredis request/response, ${concurrency} in flight, auto-pipelining on both publishers`,
      goal: { on: 'ratio', op: '>=', value: 0.8, text: '>= 0.80x of the raw throughput' },
      peer: {
        name: 'Moleculer',
        value: median(mol),
        ratio: pairedRatio(lib, mol),
        goal: peerGoal
          ? { on: 'ratio', op: '>=', value: 2, text: ">= 2x Moleculer's throughput" }
          : { none: true, text: 'none given (reported only)' },
      },
      details: [
        `Moleculer broker.call over Redis, ${concurrency} in flight: ${fmt(median(mol))}/s; lib/Moleculer ` +
          `${pairedRatio(lib, mol).toFixed(2)}x (median of per-round ratios)`,
        // what the 2x goal asks of the floor: a library at the raw floor reaches raw/Moleculer
        `ceiling for lib/Moleculer: the raw floor itself is ${pairedRatio(best, mol).toFixed(2)}x Moleculer ` +
          `(best raw per round / Moleculer); lib/best raw ${pairedRatio(lib, best).toFixed(2)}x`,
        `raw without auto-pipelining: ${fmt(median(plain))}/s; lib/raw(off) ${pairedRatio(lib, plain).toFixed(2)}x; ` +
          `lib/best raw per round ${pairedRatio(lib, best).toFixed(2)}x`,
        // the least any client and service can do on these sockets (lib/bare-redis.mjs)
        `bare floor (the library's bytes and batching, no JSON parsed, no table, no timer): ${fmt(median(bare))}/s; ` +
          `lib/bare ${pairedRatio(lib, bare).toFixed(2)}x; bare/Moleculer ${pairedRatio(bare, mol).toFixed(2)}x`,
        // what any conforming pair must add to it: the JSON of each request and reply (lib/bare-redis.mjs)
        `parsed floor (the bare floor plus the JSON the wire format needs: request and reply parsed, payloads written): ` +
          `${fmt(median(parsed))}/s; lib/parsed ${pairedRatio(lib, parsed).toFixed(2)}x; parsed/Moleculer ${pairedRatio(parsed, mol).toFixed(2)}x`,
        `per round (/s): lib ${lib.map((x) => fmt(x)).join(', ')}; raw on ${piped.map((x) => fmt(x)).join(', ')}; ` +
          `raw off ${plain.map((x) => fmt(x)).join(', ')}; bare ${bare.map((x) => fmt(x)).join(', ')}; ` +
          `parsed ${parsed.map((x) => fmt(x)).join(', ')}; ` +
          `Moleculer ${mol.map((x) => fmt(x)).join(', ')}`,
        `CPU per request (process.cpuUsage): lib ${cpuText('lib')}; raw on ${cpuText('rawPiped')}; raw off ${cpuText('rawPlain')}; ` +
          `bare ${cpuText('bare')}; parsed ${cpuText('parsed')}; Moleculer ${cpuText('mol')}`,
        SETUP_TEXT,
        serverText(serverCores),
      ],
    });
  };
}

/** redis-server's own CPU, which the runner counts in "other load". */
function serverText(cores) {
  return cores === null
    ? 'redis-server CPU unknown (not readable from /proc); "other load" includes it'
    : `redis-server used ${cores.toFixed(2)} cores meanwhile (included in "other load" below)`;
}

export const benchmarks = [
  { name: 'latency', title: 'action round trip over Redis, sequential, vs raw ioredis pub/sub and Moleculer', run: latency },
  // names that do not contain each other, so that a filter picks one
  {
    name: 'throughput-1-in-flight',
    title: 'requests/s over Redis with 1 in flight vs raw ioredis and Moleculer',
    run: throughput(1, 1000, { peerGoal: false }),
  },
  {
    name: 'throughput-16-in-flight',
    title: 'requests/s over Redis with 16 in flight vs raw ioredis and Moleculer',
    run: throughput(16, 6000),
  },
  {
    name: 'throughput-256-in-flight',
    title: 'requests/s over Redis with 256 in flight vs raw ioredis and Moleculer',
    run: throughput(256, 20_000),
  },
];
