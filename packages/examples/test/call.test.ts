// src/call.ts, the command-line caller: another process reaches a service over Redis.
import { join } from 'node:path';
import type { Daebus } from 'daebus';
import { built, memoryLogger, runNode, TEST_REDIS_URL, uniqueName } from './helpers';

const { createApp } = built<typeof import('../src/seed/queue-processor/service')>('seed/queue-processor/service');
const CALL = join(__dirname, '..', 'dist', 'call.js');

function call(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runNode(CALL, args, { ...process.env, REDIS_URL: TEST_REDIS_URL });
}

describe('the command-line caller (dist/call.js)', () => {
  let app: Daebus | undefined;
  afterEach(async () => {
    await app?.stop();
  });

  it("calls a service's actions from another process over Redis", async () => {
    const service = uniqueName('queue_processor');
    app = createApp({ logger: memoryLogger().logger, processMs: 0 });
    await app.start({ service, redis: TEST_REDIS_URL });

    const submitted = await call(service, 'submit_job', '{"text": "from another process"}');
    expect(submitted).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(submitted.stdout)).toEqual({ job_id: expect.any(String), status: 'queued' });

    const missing = await call(service, 'check_job');
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toContain('check_job: Missing job_id parameter');
  });

  it('says how to use it when arguments are missing or the payload is not a JSON object', async () => {
    expect(await call()).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: node packages/examples/dist/call.js') });
    expect(await call('svc', 'act', '[1]')).toMatchObject({ code: 2, stderr: expect.stringContaining('must be a JSON object') });
  });
});
