// The file every daebus worker starts from. It only runs the thread; a failure is rethrown
// outside the promise chain so that it becomes the worker's `error` event.
import { runThread } from './runtime';

runThread().catch((err: unknown) => {
  process.nextTick(() => {
    throw err;
  });
});
