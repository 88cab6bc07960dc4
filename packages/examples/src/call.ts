// Call an action of a running example from another process, over Redis (the memory transport
// only reaches the process it is in):
//   REDIS_URL=redis://127.0.0.1:6379 node dist/seed/queue-processor/service.js     (one terminal)
//   REDIS_URL=redis://127.0.0.1:6379 node packages/examples/dist/call.js queue_processor submit_job '{"text": "hi"}'
// Prints the reply as JSON; an error reply goes to stderr with exit code 1.
import { DaebusCaller } from 'daebus';
import { describeError } from './shared/describe-error';

const USAGE =
  'usage: node packages/examples/dist/call.js <service> <action> [payload as JSON, default {}]   (REDIS_URL selects the server)';

async function main(argv: string[]): Promise<number> {
  const [service, action, json = '{}'] = argv;
  if (!service || !action) {
    console.error(USAGE);
    return 2;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch (e) {
    console.error(`The payload is not JSON (${describeError(e)}).\n${USAGE}`);
    return 2;
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    console.error(`The payload must be a JSON object.\n${USAGE}`);
    return 2;
  }
  const caller = new DaebusCaller(service, { redis: process.env.REDIS_URL || 'redis://127.0.0.1:6379' });
  try {
    const reply = await caller.sendRequest(action, payload as Record<string, unknown>);
    console.log(JSON.stringify(reply, null, 2));
    return 0;
  } catch (e) {
    console.error(`${service} ${action}: ${describeError(e)}`);
    return 1;
  } finally {
    await caller.close();
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
