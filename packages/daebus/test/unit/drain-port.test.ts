// drainPort (main/workers/drain.ts): reads what a worker left queued on its port, in order. A
// message the main thread cannot read (nested deeper than its stack allows, through an array's
// extra properties, which the senders' nesting check does not walk) throws as it is taken; it
// is reported and the rest are still read, not thrown out of a worker's exit handler.
import { MessageChannel, Worker } from 'node:worker_threads';
import { drainPort } from '../../src/main/workers/drain';

const SENDER = `
const { workerData } = require('node:worker_threads');
let value = { end: true };
for (let i = 0; i < 5000; i++) { const wrapper = [1]; wrapper.extra = value; value = wrapper; }
workerData.port.postMessage({ first: true });
workerData.port.postMessage({ value });
workerData.port.postMessage({ last: true });
`;

it('reports a message it cannot read and reads the ones after it', async () => {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(SENDER, { eval: true, workerData: { port: port2 }, transferList: [port2] });
  await new Promise((resolve) => worker.once('exit', resolve));
  const read: unknown[] = [];
  const unreadable: unknown[] = [];
  drainPort(
    port1,
    (message) => read.push(message),
    (err) => unreadable.push(err),
  );
  port1.close();
  expect(read).toEqual([{ first: true }, { last: true }]);
  expect(unreadable).toEqual([expect.objectContaining({ name: 'RangeError' })]);
});
