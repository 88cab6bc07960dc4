import winston from 'winston';
import type TransportStream from 'winston-transport';
import { monotonicMs } from '../../shared/clock';

// winston's formats leave the finished line under this key (triple-beam's MESSAGE)
const MESSAGE = Symbol.for('message');
// winston re-exports winston-transport's class as `Transport`; its types call it `transport`
const Transport = (winston as unknown as { Transport: typeof TransportStream }).Transport;

// Kept on the stream, not in this module: a second copy of the module (the CommonJS and the ESM
// build both loaded, a test runner's registry per file) must not add another listener, and must know too
const STATE = Symbol.for('daebus.stdout');
/** A started service, held weakly, and whether it is up now (starting, running or stopping). */
type Owner = { ref: WeakRef<object>; up: (owner: never) => boolean };
/**
 * `overSince`: when stdout went past MAX_WAITING_BYTES (undefined while under it), and `turned`:
 * whether the event loop has turned since; `dropped`: records left out; `waiting`: a drain is
 * awaited to say how many.
 */
type StdoutState = {
  watched: boolean;
  lost: boolean;
  owners: Owner[];
  overSince?: number | undefined;
  turned?: boolean;
  dropped?: number;
  /** When the drops were last said while stdout stayed behind (undefined once it drained). */
  saidAt?: number | undefined;
  waiting?: boolean;
  /** The errors of writes to stdout already said (stdout was not closed by them). */
  failed?: Set<string>;
};
function state(): StdoutState {
  const holder = process.stdout as unknown as { [STATE]?: StdoutState };
  const s = (holder[STATE] ??= { watched: false, lost: false, owners: [] });
  s.owners ??= []; // a state an older copy of this module made
  return s;
}

/**
 * Bytes waiting in stdout past which records are dropped, and counted, until it drains: a pipe
 * whose reader is slower than the logging (a log shipper, `| cat` under load) buffered every
 * line in the process (300 MB in 2 s of a thread logging in a loop).
 */
const MAX_WAITING_BYTES = 8 * 1024 * 1024;

/**
 * What even a burst logged in one synchronous loop leaves waiting in stdout (in characters, up to
 * 3 bytes each): Node writes all that waits in one call, and fails one of more than 2 GiB
 * (ENOBUFS), losing all of it.
 */
const MAX_BURST = 512 * 1024 * 1024;

/** How long stdout must stay past MAX_WAITING_BYTES, over at least one turn of the event loop, before records are dropped. */
const BEHIND_MS = 100;

/**
 * Leave a record out while stdout is that far behind; say on stderr how many were, every second
 * meanwhile and once it drains. Behind means past the bound for BEHIND_MS and over a turn of the event loop, in which stdout
 * could write: a synchronous loop that logs a burst gives its reader no chance, and a fast reader
 * takes the burst within that time, so nothing of it is lost.
 */
function dropWhileBehind(s: StdoutState, stdout: NodeJS.WriteStream, length: number): boolean {
  if (stdout.writableLength + length > MAX_BURST) return drop(s, stdout, monotonicMs());
  if (stdout.writableLength < MAX_WAITING_BYTES) {
    s.overSince = undefined;
    return false;
  }
  const now = monotonicMs();
  if (s.overSince === undefined) {
    const since = (s.overSince = now);
    s.turned = false;
    setImmediate(() => {
      if (s.overSince === since) s.turned = true;
    });
  }
  if (!s.turned || now - s.overSince < BEHIND_MS) return false;
  return drop(s, stdout, now);
}

/** Leave the record out and count it (see dropWhileBehind). */
function drop(s: StdoutState, stdout: NodeJS.WriteStream, now: number): true {
  s.dropped = (s.dropped ?? 0) + 1;
  // said once stdout drains, and every second meanwhile: a flood keeps it from ever draining
  if (now - (s.saidAt ?? now) >= 1_000) sayDropped(s, now);
  s.saidAt ??= now;
  if (!s.waiting) {
    s.waiting = true;
    stdout.once('drain', () => {
      s.overSince = undefined;
      s.waiting = false;
      sayDropped(s, undefined);
    });
  }
  return true;
}

/** Say on stderr how many records were dropped since it was last said. */
function sayDropped(s: StdoutState, at: number | undefined): void {
  const count = s.dropped ?? 0;
  s.dropped = 0;
  s.saidAt = at;
  const stderr = process.stderr;
  if (count > 0 && !stderr.destroyed && stderr.writable)
    stderr.write(`daebus: ${count} log record(s) dropped: stdout did not take them as fast as they were logged.\n`);
}

/**
 * Once stdout is gone (the reader closed the pipe: `| head -1`, a log shipper restarting), every
 * write fails with EPIPE. Unheard, that error is an uncaught exception, which run()'s guard logs
 * to the same stdout: a loop that spins forever. So while a service is up (`owner`, for which
 * `up` says so), the error is heard, and records are dropped from then on. Otherwise it ends the
 * process as plain Node's does: a process that merely imports daebus (a caller script, a tool),
 * or one whose services have all stopped, must not go on printing to nobody (`script | head -1`
 * would never end).
 */
export function watchStdout<T extends object>(owner: T, up: (owner: T) => boolean): void {
  const s = state();
  s.owners = s.owners.filter((known) => known.ref.deref() !== undefined && known.ref.deref() !== owner);
  s.owners.push({ ref: new WeakRef(owner), up: up as (owner: never) => boolean });
  if (s.watched) return;
  s.watched = true;
  listenForErrors();
}

/** Made outside watchStdout: a listener made there would keep its first owner alive for ever. */
function listenForErrors(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (anyUp()) return isClosed(err) ? markLost(err.code ?? err.message) : sayFailed(err.code ?? err.message);
    state().lost = true; // records still written while the error ends the process are dropped, not written again
    // as plain Node's: unheard, the error ends the process; the user's own listener hears it instead
    if (process.stdout.listenerCount('error') === 1) throw err;
  });
}

/**
 * The errors by which stdout is gone for good. Others pass: ENOBUFS (Node refuses one write of
 * more than 2 GiB, everything waiting in stdout at once) fails the records waiting, but stdout
 * stays open and later writes go.
 */
const CLOSED = new Set(['EPIPE', 'ECONNRESET', 'ENOTCONN', 'EBADF', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);
function isClosed(err: NodeJS.ErrnoException): boolean {
  return err.code !== undefined && CLOSED.has(err.code);
}

/** A write to stdout failed and stdout is still there: said once for each kind of error. */
function sayFailed(reason: string): void {
  const s = state();
  if ((s.failed ??= new Set()).has(reason)) return;
  s.failed.add(reason);
  const stderr = process.stderr;
  if (stderr.destroyed || !stderr.writable) return;
  stderr.write(`daebus: a write to stdout failed (${reason}): the log records waiting in it are lost; later ones are still written.\n`);
}

function anyUp(): boolean {
  return state().owners.some((known) => {
    const owner = known.ref.deref();
    return owner !== undefined && known.up(owner as never);
  });
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
      const s = state();
      if (!s.lost && (stdout.destroyed || !stdout.writable)) markLost('destroyed');
      const line = `${String(info[MESSAGE])}\n`;
      if (!s.lost && !dropWhileBehind(s, stdout, line.length)) stdout.write(line);
      next();
    },
  });
}
