// Thread curve: the time to start N threads at once and the RSS each one adds, N = 1, 8, 32, 64;
// library threads (app.thread + startThread) against raw `new Worker`, each point in a fresh
// process (fixtures/curve-threads-child.mjs) so that no run inherits another's heap.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { result } from '../lib/result.mjs';
import { fmt, median } from '../lib/stats.mjs';
import { table } from '../lib/table.mjs';
import { fixture } from '../lib/workers.mjs';

const COUNTS = [1, 8, 32, 64];
const ROUNDS = 2;
const run = promisify(execFile);

async function child(mode, count) {
  let stdout;
  try {
    ({ stdout } = await run(process.execPath, ['--expose-gc', fileURLToPath(fixture('curve-threads-child.mjs')), mode, String(count)], {
      timeout: 60_000,
      env: { ...process.env, LOG_LEVEL: 'error' },
    }));
  } catch (err) {
    throw new Error(`thread curve child (${mode} ${count}) failed: ${(err.stdout || err.stderr || err.message).trim().split('\n').pop()}`);
  }
  return JSON.parse(stdout.trim().split('\n').pop());
}

export async function threadsCurve() {
  const points = [];
  for (const count of COUNTS) {
    const runs = { lib: [], raw: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const mode of r % 2 === 0 ? ['lib', 'raw'] : ['raw', 'lib']) runs[mode].push(await child(mode, count));
    }
    const pick = (mode, field) => median(runs[mode].map((x) => x[field]));
    points.push({
      count,
      lib: { startMs: pick('lib', 'startMs'), perThreadMiB: pick('lib', 'perThreadMiB') },
      raw: { startMs: pick('raw', 'startMs'), perThreadMiB: pick('raw', 'perThreadMiB') },
    });
  }
  const last = points[points.length - 1];
  return result({
    library: last.lib.startMs,
    floor: last.raw.startMs,
    unit: `ms to start ${last.count} threads`,
    libraryLabel: `${last.count} library threads: Promise.all of startThread, until every one resolved`,
    floorLabel: `${last.count} raw new Worker at once, until every first message`,
    goal: { none: true, text: 'a curve (reported only)' },
    curve: { kind: 'threads', counts: COUNTS, points },
    details: [
      ...table(
        ['threads', 'daebus start ms', 'raw start ms', 'ratio', 'daebus ms/thread', 'daebus MiB/thread', 'raw MiB/thread', 'ratio'],
        points.map((p) => [
          p.count,
          fmt(p.lib.startMs),
          fmt(p.raw.startMs),
          `${(p.lib.startMs / p.raw.startMs).toFixed(2)}x`,
          fmt(p.lib.startMs / p.count),
          p.lib.perThreadMiB.toFixed(2),
          p.raw.perThreadMiB.toFixed(2),
          `${(p.lib.perThreadMiB / p.raw.perThreadMiB).toFixed(2)}x`,
        ]),
      ),
      '',
      `idle threads (t.sleep) vs raw workers idle in Atomics.waitAsync; RSS = (after settling - before starting) / N, ` +
        `median of 5 samples after gc; medians of ${ROUNDS} fresh processes per point and side, order alternated`,
    ],
  });
}
