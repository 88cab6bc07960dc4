/**
 * Resolves on the first Ctrl-C (SIGINT) or SIGTERM, for the verbs that run until stopped; a
 * second signal exits at once, in case closing hangs. `dispose()` removes the handlers.
 */
export function untilInterrupted(): { stopped: Promise<void>; signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let signalled = false;
  let resolve: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (resolve = r));
  const onSignal = (): void => {
    if (signalled) process.exit(130);
    signalled = true;
    controller.abort();
    resolve();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stopped,
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
