/** A handler of one process event: it is called with the event's first argument (the signal, the error). */
type Handler = (value: never) => void;

/** The handlers of each process event, behind one process listener per event. */
const handlers = new Map<string, { set: Set<Handler>; dispatch: (value: unknown) => void }>();

/**
 * Listen to a process event (a signal, `uncaughtException`) through one process listener per
 * event, shared by every app that runs in the process: Node warns past ten listeners of one event
 * (MaxListenersExceededWarning), and a process may run more apps than that. Returns the removal.
 */
export function onProcess(event: string, handler: Handler): () => void {
  let entry = handlers.get(event);
  if (entry === undefined) {
    const set = new Set<Handler>();
    const dispatch = (value: unknown): void => {
      for (const each of [...set]) each(value as never);
    };
    entry = { set, dispatch };
    handlers.set(event, entry);
    process.on(event, dispatch);
  }
  const { set, dispatch } = entry;
  set.add(handler);
  return () => {
    if (!set.delete(handler) || set.size > 0) return;
    process.off(event, dispatch);
    if (handlers.get(event)?.set === set) handlers.delete(event);
  };
}

/** Whether `handler` is the only one that hears `event`: no other app's, and no listener of the program's own. */
export function hearsAlone(event: string, handler: Handler): boolean {
  const entry = handlers.get(event);
  return entry !== undefined && entry.set.size === 1 && entry.set.has(handler) && process.listenerCount(event) === 1;
}
