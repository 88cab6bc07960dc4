// The crashing thread: throws after a short random time, so the supervisor restarts it with
// growing delays. Every fifth restart it stays up longer than the app's resetAfterMs (see
// ../app.ts), which sends the next delay back to the initial one.
import { defineThread } from 'daebus/thread';

const LONG_RUN_MS = 6_000;

export default defineThread(async (_running, t) => {
  const longRun = t.restarts > 0 && t.restarts % 5 === 0;
  const lifetimeMs = longRun ? LONG_RUN_MS : 300 + Math.round(Math.random() * 900);
  t.log.info(`Started (restart #${t.restarts}); ${longRun ? 'a good run this time, ' : ''}crashing in ${lifetimeMs} ms`);

  // false: the service is stopping; return without crashing.
  if (!(await t.sleep(lifetimeMs))) return;
  throw new Error(`Simulated crash after ${lifetimeMs} ms`);
});
