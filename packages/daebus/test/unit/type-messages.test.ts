// What a TypeScript user reads when a call names an action the contract does not have: the names
// it has, not the alias the library's types are written with. Compiled against the built types.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const DIST = resolve(__dirname, '../../dist/main/index.js');
const THREAD_DIST = resolve(__dirname, '../../dist/thread/index.js');
let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'daebus-type-messages-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The error messages tsc gives for `code` (after the contract and the app/caller below). */
function errorsOf(code: string): string[] {
  const file = join(dir, 'service.mts');
  writeFileSync(
    file,
    `import { Blueprint, Daebus, DaebusCaller } from ${JSON.stringify(DIST)};
import { defineThread, type ThreadContext } from ${JSON.stringify(THREAD_DIST)};
interface JobsApi {
  submit_job: { payload: { job_id: string }; result: { status: 'queued' } };
  check_job: { payload: { job_id: string }; result: { status: string } };
}
export const app = new Daebus<JobsApi>('jobs');
export const caller = new DaebusCaller<JobsApi>('jobs');
${code}
`,
  );
  const options = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const program = ts.createProgram([file], options);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('a misspelled action', () => {
  it('is refused with the names the contract has, in a call and in a registration', () => {
    const errors = errorsOf(`void caller.sendRequest('submit_jbo', { job_id: 'x' });
app.action('chek_job', () => ({ status: 'x' }));`);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/"submit_jbo".*"submit_job" \| "check_job"/s);
    expect(errors[0]).toMatch(/"daebus\.threads"/); // the built-in actions a caller may call too
    expect(errors[1]).toMatch(/"chek_job".*"submit_job" \| "check_job"/s);
    expect(errors.join('\n')).not.toMatch(/NameOf/);
  });
});

describe('a contract written as an interface', () => {
  it('types an app, a blueprint and a thread that pass where the untyped ones are expected', () => {
    const errors = errorsOf(`let untyped: Daebus;
untyped = app;
function addMonitoring(a: Daebus): void { void a; }
addMonitoring(app);
const bp: Blueprint = new Blueprint<JobsApi>('more');
interface SocketMessages { send: { payload: { text: string }; result: { sent: boolean } } }
function common(t: ThreadContext): void { t.log.info(t.name); }
export default defineThread<unknown, SocketMessages>(async (running, t) => { common(t); });
void [untyped, bp];`);
    expect(errors).toEqual([]);
  });

  it('still refuses a misspelled name, listing the names there are', () => {
    const errors = errorsOf(`const bp = new Blueprint<JobsApi>('more');
bp.action('submit_jbo', () => ({ status: 'queued' as const }));
interface SocketMessages { send: { payload: { text: string }; result: { sent: boolean } }; stop: { result: boolean } }
export default defineThread<unknown, SocketMessages>(async (running, t) => { t.on('sned', () => ({ sent: true })); });`);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/"submit_jbo".*"submit_job" \| "check_job"/s);
    expect(errors[1]).toMatch(/"sned".*("send" \| "stop"|"stop" \| "send")/s); // in the compiler's order
    expect(errors.join('\n')).not.toMatch(/NameOf|ActionsOf|MessagesOf|Loose/);
  });
});
