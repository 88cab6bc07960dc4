import { RUN, RUN_SLOT, SERVED_SLOT, UNSERVED_MAX } from '../shared/flags';
import type { CoreToMain, MessageSink } from '../shared/protocol/core';

/** How long the thread blocks at a time while it waits for the main side to catch up. */
const WAIT_SLICE_MS = 2;

/**
 * `port` for a thread's calls to the main side, paced by what the main side has served (see
 * UNSERVED_MAX): a call awaited at once never waits here; a loop that does not await its calls
 * is held back to the main side's pace, instead of burying it. A stop ends the wait at once.
 */
export function pacedPort(port: MessageSink<CoreToMain>, flags: Int32Array): MessageSink<CoreToMain> {
  let sent = 0;
  return {
    postMessage(message: CoreToMain): void {
      // counted as Int32s are: the difference stays right when the counters wrap
      if (((sent - Atomics.load(flags, SERVED_SLOT)) | 0) >= UNSERVED_MAX) waitForMain(flags, sent);
      port.postMessage(message);
      sent = (sent + 1) | 0;
    },
  };
}

/**
 * Block until the main side has served half the calls sent. Not marked as a sleep, and no
 * heartbeat: a thread whose event loop never turns while it floods is stalled, and the
 * supervisor must still see it (marked, it was never reported, and grew without bound).
 */
function waitForMain(flags: Int32Array, sent: number): void {
  while (((sent - Atomics.load(flags, SERVED_SLOT)) | 0) > UNSERVED_MAX / 2 && Atomics.load(flags, RUN_SLOT) === RUN) {
    // on the run slot, not the served one (which changes all the time): a stop wakes it at once
    Atomics.wait(flags, RUN_SLOT, RUN, WAIT_SLICE_MS);
  }
}
