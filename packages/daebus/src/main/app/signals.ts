import { hearsAlone, onProcess } from './process-listeners';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * A signal this soon after the first is the same stop delivered twice, not a second request:
 * `timeout`, npm and some init processes send it to the process and to its group, a few ms
 * apart. A person pressing Ctrl-C again, or a supervisor escalating, takes longer.
 */
export const REPEAT_WINDOW_MS = 100;

/**
 * After a stop that a signal began: what hears a later signal (one for the process, whichever
 * app's stop put it there), until another run() begins.
 */
let removeLate: (() => void) | undefined;

/**
 * First SIGINT/SIGTERM: a clean stop. The next signal after REPEAT_WINDOW_MS: force it (later ones
 * change nothing). Returns a function that removes the handlers again: at once, or, when a signal came less
 * than REPEAT_WINDOW_MS ago, once that window ends (the process lives on until then). A repeat of
 * a signal whose stop was quick still finds them there, and is ignored: Node's own handling
 * would end the process with 130 or 143 after a clean stop. After a stop a signal began, a
 * signal that comes while the process winds down (its sockets close) ends it with the stop's exit
 * code, unless something else listens to it.
 */
export function installSignalHandlers(actions: {
  stop: (signal: string) => void;
  force: (signal: string) => void;
  /** End the process with the stop's exit code (a signal after the stop; see endProcess). */
  exit: () => void;
}): () => void {
  removeLate?.();
  removeLate = undefined;
  let firstAt: number | undefined;
  let forced = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    const now = performance.now();
    if (firstAt === undefined) {
      firstAt = now;
      actions.stop(signal);
    } else if (now - firstAt >= REPEAT_WINDOW_MS && !forced) {
      // once: a forced stop under way ends the process by itself, and a second may come twice as the first did
      forced = true;
      actions.force(signal);
    }
  };
  const removals = SIGNALS.map((signal) => onProcess(signal, onSignal));
  const remove = (): void => {
    for (const removal of removals) removal();
    if (firstAt !== undefined) removeLate ??= exitOnLateSignal(actions.exit);
  };
  return () => {
    const left = firstAt === undefined ? 0 : REPEAT_WINDOW_MS - (performance.now() - firstAt);
    // held open until then: a repeat that came while the process exits would still end it with 130
    if (left > 0) setTimeout(remove, left);
    else remove();
  };
}

function exitOnLateSignal(exit: () => void): () => void {
  const onLate = (signal: NodeJS.Signals): void => {
    if (hearsAlone(signal, onLate)) exit();
  };
  const removals = SIGNALS.map((signal) => onProcess(signal, onLate));
  return () => {
    for (const removal of removals) removal();
  };
}
