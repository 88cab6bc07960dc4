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
