// A wall clock that steps (NTP, a VM resumed, `date -s`) moves none of a service's durations:
// they are measured on the monotonic clock. Before, each of these followed Date.now(): a step
// forward timed out routes and WebSocket handlers answering well within their time, and made a
// replica take every request as expired (settled unrun, with no word) until its next heartbeat;
// a step back let a slow route run an hour past its timeout, held a background task's next run
// an hour, and failed a service-wide queue's wait with a false "Redis did not answer".
import { spawnSync } from 'node:child_process';
import { fixture } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(60_000);

function saw(scenario: string): unknown {
  const ran = spawnSync(process.execPath, [fixture('clock-step.cjs'), scenario], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, REDIS_URL: TEST_REDIS_URL },
  });
  const last = ran.stdout.trim().split('\n').pop() ?? '';
  return last.startsWith('{') ? JSON.parse(last) : { stdout: ran.stdout, stderr: ran.stderr };
}

describe('a wall clock step while a service runs', () => {
  it('times routes out by their own time: forward, one that answers in time is answered; back, a slow one gets 504', () => {
    expect(saw('route')).toEqual({ fast: 200, slow: 504 });
  });

  it('leaves a WebSocket handler its time when the clock steps forward', () => {
    expect(saw('socket')).toEqual({ answer: 'response' });
  });

  it('leaves a replica taking requests within their deadline when its clock steps forward', () => {
    expect(saw('replica')).toEqual({ answers: [1, 2, 3], startedBeforeSeen: true });
  });

  it("ends a service-wide queue's wait at its timeout, with no item, when the clock steps back", () => {
    expect(saw('queue')).toEqual({ got: null });
  });

  it("keeps a background task's schedule when the clock steps back during a run", () => {
    expect(saw('task')).toEqual({ runs: true, nextRunAtNear: true });
  });
});
