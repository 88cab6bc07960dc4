// An HTTP server on 0.0.0.0 whose start meets a failure in Fastify's own "listening" callback
// (it lists the machine's interfaces to log the addresses, and that fails with EMFILE when no file
// descriptor is free) still starts: the socket listens. Before, Fastify's listen never settled, so
// the start hung for ever and a stop took a second signal.
import { spawnSync } from 'node:child_process';
import { fixture } from '../support/helpers';

jest.setTimeout(60_000);

it('starts an HTTP server on 0.0.0.0 when listing the interfaces fails', () => {
  const ran = spawnSync(process.execPath, [fixture('listen-interfaces-fail.cjs')], { encoding: 'utf8', timeout: 20_000 });
  expect(ran.signal).toBeNull();
  expect(JSON.parse(ran.stdout.trim().split('\n').pop() ?? '{}')).toEqual({ started: true, listening: true, closed: true });
});
