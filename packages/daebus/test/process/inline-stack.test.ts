// An inline thread runs from source text in its worker; a crash's stack still names the file and
// line the user wrote it on, for a thread registered on the app (ES module) and one registered on a
// blueprint in another file (CommonJS). Real processes: in jest the test files are transpiled, so
// no function's text is in its file as written.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MAIN = join(__dirname, '..', '..', 'dist', 'main', 'index.js');
const dir = mkdtempSync(join(tmpdir(), 'daebus-inline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `file` to its end; the `error.stack` of the log line saying `thread` crashed. */
async function crashStack(file: string, thread: string): Promise<string> {
  const { stdout } = await run(process.execPath, [file], { env: { ...process.env, LOG_FORMAT: 'json' }, timeout: 30_000 });
  const lines = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { message: string; error?: { stack?: string } });
  const crash = lines.find((l) => l.message.startsWith(`Thread "${thread}" crashed`));
  return crash?.error?.stack ?? `no crash line in: ${stdout}`;
}

describe("an inline thread's stack", () => {
  it('names the line of the ES module that registered it', async () => {
    const file = join(dir, 'service.mjs');
    writeFileSync(
      file,
      [
        `import { Daebus } from ${JSON.stringify(pathToFileURL(MAIN).href)};`,
        `const app = new Daebus('inline_stack');`,
        `app.thread(`,
        `  'crashes',`,
        `  async (running, t) => {`,
        `    const missing = null;`,
        `    return missing.field;`,
        `  },`,
        `  { restart: 'temporary' },`,
        `);`,
        `await app.start();`,
        `await new Promise((resolve) => setTimeout(resolve, 300));`,
        `await app.stop();`,
        ``,
      ].join('\n'),
    );
    const stack = await crashStack(file, 'crashes');
    // line 7, the column of `field`
    expect(stack).toContain(`${pathToFileURL(file).href}:7:20)`);
    expect(stack).not.toContain('eval at'); // no frame of the library's own compiling
  });

  it('names the line of the blueprint file that registered it, and of a copy of the same text the right one', async () => {
    const blueprint = join(dir, 'parts.cjs');
    writeFileSync(
      blueprint,
      [
        `const { Blueprint } = require(${JSON.stringify(MAIN)});`,
        `const fails = () => { throw new Error('from the blueprint'); };`,
        `module.exports = new Blueprint('parts')`,
        `  .thread('first', () => { throw new Error('from the blueprint'); }, { restart: 'temporary' })`,
        `  .thread('second', () => { throw new Error('from the blueprint'); }, { restart: 'temporary' });`,
        `void fails;`,
        ``,
      ].join('\n'),
    );
    const service = join(dir, 'service.cjs');
    writeFileSync(
      service,
      [
        `const { Daebus } = require(${JSON.stringify(MAIN)});`,
        `const app = new Daebus('inline_stack_bp');`,
        `app.registerBlueprint(require('./parts.cjs'));`,
        `app.start().then(() => new Promise((r) => setTimeout(r, 300))).then(() => app.stop());`,
        ``,
      ].join('\n'),
    );
    // the same text is written three times: each registration finds the copy at or after its own line
    expect(await crashStack(service, 'first')).toContain(`${blueprint}:4:`);
    expect(await crashStack(service, 'second')).toContain(`${blueprint}:5:`);
  });

  it('names the line and column of a function declaration at column 1 and of a method, left of the wrapper the source gets', async () => {
    const file = join(dir, 'left-edge.mjs');
    writeFileSync(
      file,
      [
        `import { Daebus } from ${JSON.stringify(pathToFileURL(MAIN).href)};`,
        `function early(running, t) { throw new Error('on its first line'); }`,
        `async function monitor(running, t) {`,
        `  const missing = null;`,
        `  return missing.field;`,
        `}`,
        `const threads = {`,
        `  async poller(running, t) {`,
        `    const missing = null;`,
        `    return missing.field;`,
        `  },`,
        `};`,
        `const app = new Daebus('inline_left_edge');`,
        `app.thread('early', early, { restart: 'temporary' });`,
        `app.thread('monitor', monitor, { restart: 'temporary' });`,
        `app.thread('poller', threads.poller, { restart: 'temporary' });`,
        `await app.start();`,
        `await new Promise((resolve) => setTimeout(resolve, 300));`,
        `await app.stop();`,
        ``,
      ].join('\n'),
    );
    const url = pathToFileURL(file).href;
    // each started (it failed with "Invalid count value" before), and crashed where it is written
    expect(await crashStack(file, 'early')).toContain(`${url}:2:36)`);
    expect(await crashStack(file, 'monitor')).toContain(`${url}:5:18)`);
    expect(await crashStack(file, 'poller')).toContain(`${url}:10:20)`);
  });

  it('starts a function written on the first line of its file at column 1, and names that file', async () => {
    const file = join(dir, 'first-line.cjs');
    writeFileSync(
      file,
      [
        `function first(running, t) { const missing = null;`,
        `  return missing.field; }`,
        `const { Daebus } = require(${JSON.stringify(MAIN)});`,
        `const app = new Daebus('inline_first_line');`,
        `app.thread('first', first, { restart: 'temporary' });`,
        `app.start().then(() => new Promise((r) => setTimeout(r, 300))).then(() => app.stop());`,
        ``,
      ].join('\n'),
    );
    expect(await crashStack(file, 'first')).toContain(`${file}:2:18)`);
  });

  it('is one that can load modules with await import(), registered from an ES module', async () => {
    const file = join(dir, 'imports.mjs');
    writeFileSync(
      file,
      [
        `import { Daebus } from ${JSON.stringify(pathToFileURL(MAIN).href)};`,
        `const app = new Daebus('inline_import');`,
        `app.thread('imports', async (running, t) => {`,
        `  const os = await import('node:os');`,
        `  t.log.info('imported ' + typeof os.cpus);`,
        `}, { restart: 'temporary' });`,
        `await app.start();`,
        `await new Promise((resolve) => setTimeout(resolve, 300));`,
        `console.log('state ' + app.threads.imports.state);`,
        `await app.stop();`,
        ``,
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, [file], { env: { ...process.env, LOG_FORMAT: 'json' }, timeout: 30_000 });
    expect(stdout).toContain('"message":"imported function"');
    expect(stdout).toContain('state completed');
  });
});
