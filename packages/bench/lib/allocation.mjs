// Bytes allocated per call of a function, and by which functions: V8's sampling heap profiler,
// keeping the samples of objects already collected (the garbage is what is counted). Unlike a
// timing, the figure hardly moves between runs or machines.
import { Session } from 'node:inspector/promises';

/**
 * Await `fn()` `calls` times while sampling every `intervalBytes`; before that, 20,000 calls so
 * that what is measured is optimized. Resolves with the bytes per call in all and the `top`
 * allocating functions (bytes per call, `name file:line`).
 */
export async function allocationPerCall(fn, { calls = 50_000, top = 15, intervalBytes = 64 } = {}) {
  for (let i = 0; i < 20_000; i++) await fn();
  const session = new Session();
  session.connect();
  try {
    await startSampling(session, intervalBytes);
    for (let i = 0; i < calls; i++) await fn();
    const { profile } = await session.post('HeapProfiler.stopSampling');
    const { bytes, byFunction } = summarize(profile);
    return { perCall: bytes / calls, top: byFunction.slice(0, top).map(([where, b]) => [b / calls, where]) };
  } finally {
    session.disconnect();
  }
}

/** Start V8's sampling heap profiler on `session`'s thread, counting what is collected too. */
export async function startSampling(session, intervalBytes = 64) {
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: intervalBytes,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}

/** A sampling heap profile's bytes in all, and by allocating function (`name file:line`), most first. */
export function summarize(profile) {
  const byFunction = new Map();
  let bytes = 0;
  const walk = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(packages|node_modules)\//, '')}:${lineNumber + 1}`;
    if (node.selfSize > 0) byFunction.set(where, (byFunction.get(where) ?? 0) + node.selfSize);
    bytes += node.selfSize;
    node.children.forEach(walk);
  };
  walk(profile.head);
  return { bytes, byFunction: [...byFunction].sort((a, b) => b[1] - a[1]) };
}
