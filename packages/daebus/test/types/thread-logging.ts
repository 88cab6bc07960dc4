// Type tests: compiled by the package's typecheck (tsc, strict), never run. A thread logs what a
// `catch (e)` gives it: `unknown` under strict (useUnknownInCatchVariables).
import { defineHandler, defineThread, directLogger } from 'daebus/thread';

export const logsCaught = defineThread(async (running, t) => {
  try {
    await t.sleep(10);
  } catch (e) {
    t.log.error(e);
    t.log.warn(e, { attempt: 1 });
    t.log.log('error', e);
    directLogger.error(e);
  }
});

export const pooledLogsCaught = defineHandler<{ n: number }, number>((payload, call) => {
  try {
    return payload.n;
  } catch (e) {
    call.log.error(e);
    return 0;
  }
});
