/**
 * Wait for `promise` at most `ms` milliseconds. Resolves true when it settled in time, false
 * when the time ran out first; its value and its failure are not reported (this is for waits on
 * the way out: a worker's exit, handlers draining, a connection closing).
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(settled, settled), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function settled(): true {
  return true;
}

/**
 * Wait for `promise` until `signal` aborts. Resolves true when it settled first (its value and its
 * failure are not reported), false when the abort came first: what it waits for is left to run.
 */
export function settlesBeforeAbort(promise: Promise<unknown>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const aborted = (): void => resolve(false);
    signal.addEventListener('abort', aborted, { once: true });
    void promise.then(settled, settled).then(() => {
      signal.removeEventListener('abort', aborted);
      resolve(true);
    });
  });
}
