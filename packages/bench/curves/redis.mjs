// Redis curve: requests/s and p50/p99 latency at 1 to 1,024 requests in flight, for daebus, raw
// ioredis (auto-pipelined, as the library) and Moleculer, all in one run on one set of processes
// (lib/redis-sides.mjs). Per point and side, the cores each process used meanwhile (the caller,
// the child holding the three services, redis-server), to show which one saturates.
import { machineBusyMs } from '../lib/cpu-meter.mjs';
import { interleave, pairedRatio, timedLoop } from '../lib/drive.mjs';
import { setUp, SETUP_TEXT } from '../lib/redis-sides.mjs';
import { result } from '../lib/result.mjs';
import { fmt, median, percentile } from '../lib/stats.mjs';
import { table } from '../lib/table.mjs';

const LEVELS = [1, 4, 16, 64, 256, 1024];
const ROUND_MS = 500;
const ROUNDS = 5;
const SIDES = { lib: 'daebus', raw: 'raw ioredis', mol: 'Moleculer' };

export async function redisCurve() {
  const env = await setUp();
  const points = [];
  try {
    for (const inFlight of LEVELS) {
      const variant = (call) => async () => {
        const caller0 = process.cpuUsage();
        const service0 = await env.child.cpu();
        const server0 = await env.serverCpuMs();
        const busy0 = machineBusyMs();
        const t0 = performance.now();
        const { perSecond, latencies } = await timedLoop(call, inFlight, ROUND_MS);
        const wall = performance.now() - t0;
        const busy1 = machineBusyMs();
        const server1 = await env.serverCpuMs();
        const service = ((await env.child.cpu()) - service0) / 1000;
        const caller = process.cpuUsage(caller0);
        const callerCores = (caller.user + caller.system) / 1000 / wall;
        const serverCores = server0 === null || server1 === null ? NaN : (server1 - server0) / wall;
        // everything else on the machine meanwhile (the other engineer's runs, ...)
        const otherCores =
          busy0 === null || busy1 === null ? NaN : (busy1 - busy0) / wall - callerCores - service / wall - (serverCores || 0);
        return {
          perSecond,
          p50: percentile(latencies, 50) * 1000,
          p99: percentile(latencies, 99) * 1000,
          callerCores,
          serviceCores: service / wall,
          serverCores,
          otherCores: Math.max(0, otherCores),
        };
      };
      const out = await interleave({ lib: variant(env.calls.lib), raw: variant(env.calls.rawPiped), mol: variant(env.calls.mol) }, ROUNDS);
      const point = { inFlight };
      for (const side of Object.keys(SIDES)) {
        const pick = (field) => median(out[side].map((x) => x[field]));
        point[side] = {
          perSecond: pick('perSecond'),
          rounds: out[side].map((x) => x.perSecond),
          p50: pick('p50'),
          p99: pick('p99'),
          callerCores: pick('callerCores'),
          serviceCores: pick('serviceCores'),
          serverCores: pick('serverCores'),
          otherCores: pick('otherCores'),
        };
      }
      point.libRaw = pairedRatio(point.lib.rounds, point.raw.rounds);
      point.libMol = pairedRatio(point.lib.rounds, point.mol.rounds);
      points.push(point);
    }
  } finally {
    await env.close();
  }
  const peak = (side) => Math.max(...points.map((p) => p[side].perSecond));
  const c = (x) => (Number.isNaN(x) ? '?' : x.toFixed(2));
  const cores = (s) => `${c(s.callerCores)} / ${c(s.serviceCores)} / ${c(s.serverCores)} / ${c(s.otherCores)}`;
  return result({
    library: peak('lib'),
    floor: peak('raw'),
    unit: 'requests/s at the best point',
    ratioLabel: 'best point / best point',
    libraryLabel: 'daebus, highest median requests/s over the in-flight levels',
    floorLabel: 'raw ioredis (auto-pipelined), highest median requests/s over the levels',
    goal: { none: true, text: 'a curve (reported only)' },
    peer: { name: 'Moleculer', value: peak('mol'), goal: { none: true, text: 'a curve (reported only)' } },
    curve: { kind: 'redis', levels: LEVELS, points },
    details: [
      ...table(
        ['in flight', 'daebus req/s', 'raw req/s', 'Moleculer req/s', 'daebus/raw', 'daebus/Moleculer'],
        points.map((p) => [
          p.inFlight,
          fmt(p.lib.perSecond),
          fmt(p.raw.perSecond),
          fmt(p.mol.perSecond),
          `${p.libRaw.toFixed(2)}x`,
          `${p.libMol.toFixed(2)}x`,
        ]),
      ),
      '',
      ...table(
        ['in flight', 'daebus p50 / p99 µs', 'raw p50 / p99 µs', 'Moleculer p50 / p99 µs'],
        points.map((p) => [p.inFlight, ...Object.keys(SIDES).map((s) => `${fmt(p[s].p50)} / ${fmt(p[s].p99)}`)]),
      ),
      '',
      ...table(
        ['in flight', 'daebus cores: caller / service / redis-server / other', 'raw cores', 'Moleculer cores'],
        points.map((p) => [p.inFlight, ...Object.keys(SIDES).map((s) => cores(p[s]))]),
      ),
      '',
      'cores: CPU time per wall time of the bench process (caller), the child (service), redis-server, and every other process',
      `${ROUNDS} rounds of ${ROUND_MS} ms per point and side, order rotated, after a warm-up round; medians over rounds; ` +
        'ratios = median of per-round ratios; latency from each call to its settling (closed loop)',
      SETUP_TEXT,
    ],
  });
}
