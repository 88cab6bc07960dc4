const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * First SIGINT/SIGTERM: a clean stop. Any signal after that: force it. Returns a function that
 * removes the handlers again.
 */
export function installSignalHandlers(actions: { stop: (signal: string) => void; force: (signal: string) => void }): () => void {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    received += 1;
    if (received === 1) actions.stop(signal);
    else actions.force(signal);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
}
