// A replica stopped while it was taking its service's pub/sub channel over (its SUBSCRIBE not yet
// answered). Before, the subscribe's end started the look at the channel's other subscribers again
// after the stop: a timer left behind, sending PUBSUB NUMSUB on a closed connection every
// 2 x heartbeatMs for the life of the process.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { captureLogger } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(30_000);

type Command = { name: string };
const proto = Redis.prototype as unknown as {
  subscribe: (...args: unknown[]) => Promise<unknown>;
  sendCommand: (command: Command) => unknown;
};
const original = { subscribe: proto.subscribe, sendCommand: proto.sendCommand };

afterEach(() => {
  proto.subscribe = original.subscribe;
  proto.sendCommand = original.sendCommand;
});

it('starts no look at the channel again once stopped during its subscribe to it', async () => {
  const service = `ingest_stop_${randomUUID()}`;
  const options = { service, redis: TEST_REDIS_URL, replicas: { heartbeatMs: 100 } };
  const [a, b] = [
    new Daebus('ingest_stop', { logger: captureLogger().logger }),
    new Daebus('ingest_stop', { logger: captureLogger().logger }),
  ];
  await a.start(options); // takes the lease: the first to ask
  await b.start(options);
  // from now on, a subscribe to the service's channel is answered a second late (a slow Redis)
  let subscribing: () => void = () => undefined;
  const subscribed = new Promise<void>((resolve) => (subscribing = resolve));
  proto.subscribe = function (this: unknown, ...args: unknown[]) {
    const answer = original.subscribe.apply(this, args);
    if (!args.includes(service)) return answer;
    subscribing();
    return answer.then((value) => new Promise((resolve) => setTimeout(() => resolve(value), 1_000)));
  };
  let stopped = false;
  const sentAfterStop: string[] = [];
  proto.sendCommand = function (this: unknown, command: Command) {
    if (stopped) sentAfterStop.push(command.name);
    return original.sendCommand.call(this, command);
  };
  await a.stop(); // hands the lease over: b takes it, and subscribes
  await subscribed;
  await b.stop();
  stopped = true;
  // the subscribe answered, and several of the looks' 200 ms past
  await new Promise((resolve) => setTimeout(resolve, 1_800));
  expect(sentAfterStop.filter((name) => /^pubsub$/i.test(name))).toEqual([]);
});
