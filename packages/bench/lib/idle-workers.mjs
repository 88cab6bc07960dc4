// N raw idle workers (fixtures/raw-idle.mjs): the floor of the memory and thread-start children.
import { Worker } from 'node:worker_threads';

/** `start()` resolves once every worker said it runs; `stop()` clears their flag and waits for them to exit. */
export function rawIdleWorkers(count) {
  const flags = new Int32Array(new SharedArrayBuffer(4));
  Atomics.store(flags, 0, 1);
  const workers = [];
  return {
    async start() {
      const started = [];
      for (let i = 0; i < count; i++) {
        const worker = new Worker(new URL('../fixtures/raw-idle.mjs', import.meta.url), { workerData: { flags: flags.buffer } });
        workers.push(worker);
        started.push(new Promise((resolve, reject) => (worker.once('message', resolve), worker.once('error', reject))));
      }
      await Promise.all(started);
    },
    async stop() {
      Atomics.store(flags, 0, 0);
      Atomics.notify(flags, 0);
      await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
    },
  };
}
