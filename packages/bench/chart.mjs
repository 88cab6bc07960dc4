#!/usr/bin/env node
// Draws the curves of one run as SVG files (vega-lite, rendered headless: no browser, no canvas).
//   node packages/bench/run.mjs curves/ --json > /tmp/curves.log
//   node packages/bench/chart.mjs /tmp/curves.log [out-dir]   (default: packages/bench/curves)
// Reads the runner's JSON line (the last line of the log that parses as JSON) and writes one SVG
// per curve it holds. The figures come from that one run; the charts say nothing more.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as vega from 'vega';
import { compile } from 'vega-lite';

const [logFile, outDir = fileURLToPath(new URL('./curves', import.meta.url))] = process.argv.slice(2);
if (!logFile) {
  console.log('usage: node chart.mjs <log of run.mjs curves/ --json> [out-dir]');
  process.exit(0);
}

const run = readFileSync(logFile, 'utf8')
  .split('\n')
  .reverse()
  .map((line) => {
    try {
      return JSON.parse(line);
    } catch {
      return null;
    }
  })
  .find((x) => x?.results);
if (!run) throw new Error(`no JSON line from run.mjs --json in ${logFile}`);
const subtitle = `${run.date.slice(0, 10)}, node ${run.node}, ${run.cores} cores (shared machine: see "other load" in the tables)`;

const SIDES = { lib: 'daebus', raw: 'raw floor', mol: 'Moleculer' };
const log = { type: 'log' };

/** A line chart per field of `panels`, side by side: x and y quantitative, one colored line per side. */
function lines(title, values, x, panels) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle },
    data: { values },
    hconcat: panels.map((p) => ({
      width: 300,
      height: 220,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: x.title, scale: x.scale ?? {} },
        y: { field: p.field, type: 'quantitative', title: p.title, scale: p.scale ?? {} },
        color: { field: 'side', type: 'nominal', title: null },
        strokeDash: p.dash ? { field: p.dash, type: 'nominal', title: null } : undefined,
      },
    })),
  };
}

/** One row per side and x, from a curve's points. */
function rows(points, xOf, sides, fields) {
  return points.flatMap((p) => sides.map((s) => ({ x: xOf(p), side: SIDES[s], ...fields(p, s) })));
}

const CHARTS = {
  redis: (c) =>
    lines(
      'Echo action over Redis: closed loop, N requests in flight',
      rows(
        c.points,
        (p) => p.inFlight,
        ['lib', 'raw', 'mol'],
        (p, s) => ({ rps: p[s].perSecond, p50: p[s].p50 / 1000, p99: p[s].p99 / 1000 }),
      ),
      { title: 'requests in flight', scale: log },
      [
        { field: 'rps', title: 'requests/s' },
        { field: 'p50', title: 'p50 latency (ms)', scale: log },
        { field: 'p99', title: 'p99 latency (ms)', scale: log },
      ],
    ),
  threads: (c) =>
    lines(
      'Starting N idle threads at once: library threads vs raw new Worker',
      rows(
        c.points,
        (p) => p.count,
        ['lib', 'raw'],
        (p, s) => ({ ms: p[s].startMs, mib: p[s].perThreadMiB }),
      ),
      { title: 'threads', scale: log },
      [
        { field: 'ms', title: 'time until all run (ms)' },
        { field: 'mib', title: 'RSS per thread (MiB)', scale: { zero: false } },
      ],
    ),
  state: (c) =>
    lines(
      'One shared-map key incremented by N threads (raw floor: MessagePort requests to a Map)',
      rows(
        c.points,
        (p) => p.count,
        ['lib', 'raw'],
        (p, s) => ({ ops: p[s] }),
      ),
      { title: 'threads', scale: log },
      [{ field: 'ops', title: 'increments/s (all threads)' }],
    ),
  pool: (c) =>
    lines(
      `Pooled CPU-bound action, fib(${c.n}), 8 in flight (raw floor: piscina)`,
      rows(
        c.points,
        (p) => p.maxWorkers,
        ['lib', 'raw'],
        (p, s) => ({ cps: p[s] }),
      ),
      { title: 'maxWorkers / maxThreads' },
      [{ field: 'cps', title: 'calls/s' }],
    ),
};

for (const r of run.results) {
  const make = r.curve && CHARTS[r.curve.kind];
  if (!make) continue;
  const view = new vega.View(vega.parse(compile(make(r.curve)).spec), { renderer: 'none' });
  const file = `${outDir}/${r.curve.kind}.svg`;
  writeFileSync(file, await view.toSVG());
  console.log(`wrote ${file}`);
}
