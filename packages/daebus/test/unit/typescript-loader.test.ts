// Which loader a worker uses for a .ts module: tsx, found from the module's project, unless Node
// itself runs the service from its .ts source (then the workers follow Node's rules too).
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { typeScriptLoader } from '../../src/main/workers/typescript';

const nodeStrips = Boolean((process.features as { typescript?: unknown }).typescript);
// this package has tsx installed: a module in it finds it
const moduleUrl = pathToFileURL(join(__dirname, '..', 'support', 'fixtures', 'ts-esm', 'thread.ts')).href;

describe('the loader of a .ts thread module', () => {
  const argv1 = process.argv[1];
  afterEach(() => {
    process.argv[1] = argv1 as string;
  });

  it("is the project's tsx when the service runs from JavaScript (a test runner, a build)", () => {
    process.argv[1] = '/srv/app/dist/service.js';
    expect(typeScriptLoader('Thread "t"', moduleUrl)).toMatch(/[\\/]tsx[\\/]package\.json$/);
  });

  // Node 20 cannot run a .ts service by itself: there, tsx is always the loader
  (nodeStrips ? it : it.skip)('is Node itself when Node runs the service from its .ts source', () => {
    process.argv[1] = '/srv/app/service.ts';
    expect(typeScriptLoader('Thread "t"', moduleUrl)).toBeUndefined();
  });
});
