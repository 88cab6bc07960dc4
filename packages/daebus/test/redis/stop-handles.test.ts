// A service's stop() and a caller's close() resolve with their Redis sockets gone (before: a few
// milliseconds before, as ioredis's QUIT answers before the server closes the socket; the process
// then held them, and a test runner saw them as open handles).
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fixture } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(30_000);

it('leaves the process holding nothing once the caller is closed and the service stopped', () => {
  const ran = spawnSync(process.execPath, [fixture('stop-handles.cjs'), `handles_${randomUUID()}`, TEST_REDIS_URL], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(ran.stderr).toBe('');
  expect(JSON.parse(ran.stdout.trim().split('\n').pop() ?? '{}')).toEqual({ answered: { taken: 'one' }, held: [] });
});
