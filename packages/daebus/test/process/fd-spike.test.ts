// A moment with no free file descriptor in the process (the main side holds every one) leaves a
// thread that touches none running (before: daebus's own heartbeat timer in the thread read the
// process's resident size, failed with EMFILE uncaught, and crashed the thread; its restarts
// failed the same way until it was given up on).
import { spawnSync } from 'node:child_process';
import { fixture } from '../support/helpers';

jest.setTimeout(60_000);

it('keeps a thread running through a moment with no free file descriptor', () => {
  const ran = spawnSync('bash', ['-c', `ulimit -n 256 && exec "${process.execPath}" "${fixture('fd-spike.cjs')}"`], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(JSON.parse(ran.stdout.trim().split('\n').pop() ?? '{}')).toEqual({ held: true, state: 'running', restarts: 0 });
});
