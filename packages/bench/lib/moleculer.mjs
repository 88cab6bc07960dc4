// The Moleculer peer of the Redis benchmarks, caller side: a broker in the bench process that
// calls `echo-svc.echo` on the service broker in the child (fixtures/moleculer-service.mjs).
import { ServiceBroker } from 'moleculer';

export async function moleculerCaller({ url, namespace }) {
  const broker = new ServiceBroker({ namespace, nodeID: `bench-caller-${process.pid}`, transporter: url, logger: false });
  await broker.start();
  // Discovery is asynchronous (INFO packets over Redis): a call before it ends fails with
  // ServiceNotFoundError, so nothing is measured before the service is known.
  await broker.waitForServices('echo-svc', 15_000);
  return {
    call: (payload) => broker.call('echo-svc.echo', payload),
    stop: () => broker.stop(),
  };
}
