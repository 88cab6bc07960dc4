// The repository README's quick start, followed as written: hello.mjs, then the thread module the
// prose registers in it. Its registration once reused the name of a thread hello.mjs already
// has, and the service refused to start with DUPLICATE_NAME.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const packageRoot = join(__dirname, '..', '..');
const readme = readFileSync(join(packageRoot, '..', '..', 'README.md'), 'utf8');
const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1));
const blocks = [...quickStart.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);

describe("the README's quick start", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'daebus-quick-start-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(packageRoot, join(dir, 'node_modules', 'daebus'), 'dir');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs hello.mjs with the thread module registered as the prose says, and stops on Ctrl-C', async () => {
    const registration = /`(app\.thread\('[\w-]+', new URL\('\.\/([\w-]+\.mjs)', import\.meta\.url\)\))`/.exec(quickStart);
    expect(registration).not.toBeNull();
    const [, statement, file] = registration as unknown as [string, string, string];
    const module = blocks.find((code) => code.startsWith(`// ${file}\n`));
    expect(module).toBeDefined();
    const hello = blocks[0] as string;
    expect(hello).toContain('await app.run(');
    writeFileSync(join(dir, file), module as string);
    writeFileSync(join(dir, 'hello.mjs'), hello.replace('await app.run(', `${statement};\nawait app.run(`));

    const env: NodeJS.ProcessEnv = { ...process.env, LOG_FORMAT: 'json' };
    delete env.REDIS_URL;
    const child = spawn(process.execPath, ['hello.mjs'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      await new Promise<void>((resolve) => {
        const read = (chunk: Buffer): void => {
          output += chunk.toString();
          if (output.includes('running with')) resolve(); // Service "hello" running with 4 thread(s)
        };
        child.stdout.on('data', read);
        child.stderr.on('data', read);
        void exit.then(() => resolve());
      });
      child.kill('SIGINT');
      expect(await exit).toBe(0);
      expect(output).not.toContain('DUPLICATE_NAME');
      expect(output).toMatch(/found \d+ primes/);
    } finally {
      clearTimeout(guard);
      child.kill('SIGKILL');
    }
  }, 60_000);
});
