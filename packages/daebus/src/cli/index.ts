#!/usr/bin/env node
// The `daebus` command (package.json "bin"). Every verb closes what it opened; once its output
// is written, the process exits, whatever a dependency's timer still holds.
import { outputFlushed, stdoutWriteFailed, stopWhenStdoutFails } from './interrupt';
import { run } from './program';

/** How long the process may go on once its output is written. */
const LINGER_MS = 100;

stopWhenStdoutFails();
void run(process.argv).then(async (code) => {
  if (!stdoutWriteFailed()) process.exitCode = code; // a failed write's status 1 stands (--help > /dev/full)
  await outputFlushed();
  // after a large reply, ioredis's parser keeps a timer that shrinks its buffers, for 1 to 4 s: it
  // is not waited for (unref: a process with nothing left ends sooner, by itself)
  setTimeout(() => process.exit(), LINGER_MS).unref();
});
