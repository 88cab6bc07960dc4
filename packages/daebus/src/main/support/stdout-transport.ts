import winston from 'winston';
import type TransportStream from 'winston-transport';

// winston's formats leave the finished line under this key (triple-beam's MESSAGE)
const MESSAGE = Symbol.for('message');
// winston re-exports winston-transport's class as `Transport`; its types call it `transport`
const Transport = (winston as unknown as { Transport: typeof TransportStream }).Transport;

// Kept on the stream, not in this module: a second copy of the module (the CommonJS and the ESM
// build both loaded, a test runner's registry per file) must not add another listener, and must know too
const STATE = Symbol.for('daebus.stdout');
type StdoutState = { watched: boolean; lost: boolean };
function state(): StdoutState {
  const holder = process.stdout as unknown as { [STATE]?: StdoutState };
  return (holder[STATE] ??= { watched: false, lost: false });
}

/**
 * Once stdout is gone (the reader closed the pipe: `| head -1`, a log shipper restarting), every
 * write fails with EPIPE. Unheard, that error is an uncaught exception, which run()'s guard logs
 * to the same stdout: a loop that spins forever. So a service, once started, hears it, and records
 * are dropped from then on. Only a service: a process that merely imports daebus (a caller
 * script, a tool) must die of EPIPE as plain Node does, or `script | head -1` never ends. Never
 * taken back: the service's last lines, and run()'s exit, come after its stop.
 */
export function watchStdout(): void {
  const s = state();
  if (s.watched) return;
  s.watched = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => markLost(err.code ?? err.message));
}

function markLost(reason: string): void {
  const s = state();
  if (s.lost) return;
  s.lost = true;
  const stderr = process.stderr;
  if (stderr.destroyed || !stderr.writable) return;
  // stderr may be closed too: then there is nobody left to tell, and its error must not loop either
  stderr.on('error', () => {});
  stderr.write(`daebus: stdout is closed (${reason}): log records written to stdout are lost from now on.\n`);
}

/** The default sink: one line per record on stdout, while stdout is there (see watchStdout). */
export function stdoutTransport(): TransportStream {
  return new Transport({
    log(info: Record<string | symbol, unknown>, next: () => void): void {
      const stdout = process.stdout;
      if (!state().lost && (stdout.destroyed || !stdout.writable)) markLost('destroyed');
      if (!state().lost) stdout.write(`${String(info[MESSAGE])}\n`);
      next();
    },
  });
}
