// Memory readings for the one-process-per-point children (mem-child, curve-threads-child).
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Let garbage settle: three GCs (with --expose-gc) 50 ms apart. */
export async function quiet() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await sleep(50);
  }
}

/** Median of 5 RSS samples 40 ms apart (a GC or an allocation in between moves one sample). */
export async function sampleRss() {
  const samples = [];
  for (let i = 0; i < 5; i++) {
    samples.push(process.memoryUsage.rss());
    await sleep(40);
  }
  return samples.sort((a, b) => a - b)[2];
}
