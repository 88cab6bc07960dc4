// Drivers shared by the request benchmarks (actions, Redis, pool): sequential calls timed one by
// one, and a closed loop that keeps a fixed number of calls in flight.

/** Call `fn(i)` `n` times, one after the other; resolves with each call's duration in ms. */
export async function sequential(fn, n) {
  const durations = new Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    durations[i] = performance.now() - t0;
  }
  return durations;
}

/**
 * Make `total` calls of `fn` with `concurrency` of them in flight: each of `concurrency` lanes
 * starts its next call when its previous one settled. Resolves with calls per second.
 */
export async function closedLoop(fn, total, concurrency) {
  let issued = 0;
  const lane = async () => {
    while (issued < total) {
      const i = issued++;
      await fn(i);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
  return (total / (performance.now() - t0)) * 1000;
}

/** Run `variants` (name -> async fn) `rounds` times, rotating their order each round; returns name -> [results]. */
export async function interleave(variants, rounds, { warmup = 1 } = {}) {
  const names = Object.keys(variants);
  const out = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < warmup + rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length];
      const value = await variants[name]();
      if (r >= warmup) out[name].push(value);
    }
  }
  return out;
}

/** Median over rounds of a paired ratio a[r] / b[r]. */
export function pairedRatio(a, b) {
  const ratios = a.map((x, r) => x / b[r]).sort((x, y) => x - y);
  const mid = ratios.length >> 1;
  return ratios.length % 2 === 1 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2;
}

/** The smallest ratio between two neighbouring rounds (sorted) that byMode takes for a gap between modes. */
const MODE_GAP = 1.25;

/**
 * Split per-round figures of two sides into a fast and a slow mode. A round trip between two
 * threads can be bimodal on this machine (when its idle cores halt without polling: see
 * BENCHMARKS.md), and the mode holds for a whole round, so a median over rounds compares
 * whichever mode each side happened to get. The rounds of both sides, sorted, are split at their
 * widest gap, and only when it is a real one (the next round at least 1.25x the one before): a
 * side that is simply slower, by a steady factor, is not taken for a side that drew the slow
 * mode more often. Each mode gets its own medians and ratio (null when a side has no round there).
 */
export function byMode(lib, raw) {
  const all = [...lib, ...raw].sort((a, b) => a - b);
  let widest = 1;
  let split = Infinity; // one mode only: no split
  for (let i = 1; i < all.length; i++) {
    const gap = all[i] / all[i - 1];
    if (gap >= MODE_GAP && gap > widest) {
      widest = gap;
      split = Math.sqrt(all[i] * all[i - 1]);
    }
  }
  const mode = (name, keep) => {
    const l = lib.filter(keep);
    const r = raw.filter(keep);
    const lm = medianOf(l);
    const rm = medianOf(r);
    return { name, lib: l, raw: r, libMedian: lm, rawMedian: rm, ratio: l.length && r.length ? lm / rm : null };
  };
  return { split, fast: mode('fast', (x) => x < split), slow: mode('slow', (x) => x >= split) };
}

function medianOf(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The figures to report for bimodal per-round results (see byMode): the mean over all rounds of
 * each side (so each mode counts as often as that side met it; a median would report whichever
 * mode a side met in more than half of its rounds), and a line describing both modes.
 */
export function modeFigures(lib, raw, unit, fmt) {
  const { split, fast, slow } = byMode(lib, raw);
  const text = (m) =>
    m.ratio === null
      ? `${m.name}: lib ${m.lib.length} rounds, raw ${m.raw.length} rounds (no comparison)`
      : `${m.name}: lib ${fmt(m.libMedian)} ${unit} (${m.lib.length} rounds), raw ${fmt(m.rawMedian)} ${unit} (${m.raw.length} rounds) = ${m.ratio.toFixed(2)}x`;
  const line =
    split === Infinity ? 'one mode only (no split)' : `rounds split at ${fmt(split)} ${unit} into modes: ${text(fast)}; ${text(slow)}`;
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { library: mean(lib), floor: mean(raw), ratio: mean(lib) / mean(raw), line };
}

/**
 * Keep `concurrency` calls of `fn` in flight for `ms`, then let the ones in flight finish (the
 * curves: a fixed time per point, whatever the rate). Resolves with calls per second and each
 * call's latency in ms, from its start to its settling (a closed loop's own queueing included).
 */
export async function timedLoop(fn, concurrency, ms) {
  const latencies = [];
  const t0 = performance.now();
  const deadline = t0 + ms;
  const lane = async () => {
    while (performance.now() < deadline) {
      const s = performance.now();
      await fn();
      latencies.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { perSecond: (latencies.length / (performance.now() - t0)) * 1000, latencies };
}
