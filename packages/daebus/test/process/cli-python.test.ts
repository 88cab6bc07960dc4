// The `daebus` command against a REAL Python Daebus service: it has no daebus.* actions and
// drops an action it does not have without a reply. `call` works with it; the verbs that need
// the built-in actions say that the service is there but is not a daebus service for Node.
import { randomUUID } from 'node:crypto';
import { startCli, type Ran } from '../support/cli-process';
import { pythonUnavailable, startPythonService, type PythonService } from '../support/python-service';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(60_000);

const skipReason = pythonUnavailable();
if (skipReason) console.log(`cli-python.test.ts: skipped: ${skipReason}`);
const describeReal = skipReason ? describe.skip : describe;

const service = `cli_py_${randomUUID()}`;
let python: PythonService | undefined;

beforeAll(async () => {
  if (!skipReason) python = await startPythonService(TEST_REDIS_URL, service);
});
afterAll(async () => {
  await python?.stop();
});

function daebus(args: string[]): Promise<Ran> {
  return startCli(args).done;
}

describeReal('daebus and a Python Daebus service', () => {
  it('call sends the action and prints the reply', async () => {
    const ran = await daebus(['call', service, 'echo', '{"word": "naïve"}']);
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(ran.stdout)).toEqual({ echo: { word: 'naïve' }, from: 'python' });
  });

  it("call prints the Python service's progress updates on stderr", async () => {
    const ran = await daebus(['call', service, 'steps', '{"steps": 2}']);
    expect(ran.code).toBe(0);
    expect(ran.stderr.trim().split('\n')).toHaveLength(2);
    expect(JSON.parse(ran.stdout)).toMatchObject({ done: true, steps: 2 });
  });

  it('call exits 1 with the error the Python service sent', async () => {
    const ran = await daebus(['call', service, 'fail']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('Missing job_id parameter');
  });

  it.each([['health'], ['threads'], ['info'], ['ping']])(
    '%s says that the service listens but is not a daebus service for Node (exit 3)',
    async (verb) => {
      const ran = await daebus([verb, service, '--timeout', '1000']);
      expect(ran.code).toBe(3);
      expect(ran.stdout).toBe('');
      expect(ran.stderr).toBe(
        `daebus: service "${service}" listens on ${TEST_REDIS_URL} but did not answer daebus.ping within 1000 ms: ` +
          'it is not a daebus service for Node (a Python Daebus service has no daebus.* actions; `daebus call` works with it), ' +
          'it is too busy to answer, or Redis refuses its replies (a Redis user without the right to publish on caller:* channels: ' +
          'its log and its /readyz say so).\n',
      );
    },
  );

  it('call to a service nobody runs still exits 3 and says so', async () => {
    const nobody = `cli_py_nobody_${randomUUID()}`;
    const ran = await daebus(['call', nobody, 'echo']);
    expect(ran.code).toBe(3);
    expect(ran.stderr).toBe(
      `daebus: no service "${nobody}" listens on ${TEST_REDIS_URL}; is it running, and is the name right? ` +
        'A service that is stopping no longer listens, while it finishes what it runs. ' +
        'A service run without REDIS_URL or a redis option uses the in-memory transport, which no other process can reach.\n',
    );
  });
});
