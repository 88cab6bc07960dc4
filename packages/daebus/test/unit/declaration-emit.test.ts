// A project that exports what daebus gives it (a logger, the app's metrics registry and Redis
// client) and emits declarations must be able to name those types. Under pnpm, a dependency's own
// dependencies (winston, prom-client, ioredis) are out of the project's reach, and tsc fails with
// TS2742 unless daebus exports the types by names of its own. The project here reaches daebus by
// a symlink, as pnpm links it, so daebus's dependencies resolve into the workspace's .pnpm store.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const PACKAGE = resolve(__dirname, '../..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/**
 * The declaration tsc emits for `code`, and its errors, in a project that depends on daebus and
 * on `also` (linked to the copies daebus itself resolves).
 */
function declare(code: string, also: string[] = []): { errors: string[]; declaration: string } {
  const dir = mkdtempSync(join(tmpdir(), 'daebus-declarations-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'node_modules'));
  for (const name of ['daebus', ...also]) {
    const target = name === 'daebus' ? PACKAGE : realpathSync(join(PACKAGE, 'node_modules', name));
    symlinkSync(target, join(dir, 'node_modules', name), 'dir');
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'svc', type: 'module' }));
  const file = join(dir, 'index.ts');
  writeFileSync(file, code);
  const program = ts.createProgram([file], {
    strict: true,
    declaration: true,
    emitDeclarationOnly: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: [],
  });
  let declaration = '';
  const emitted = program.emit(undefined, (name, text) => {
    if (name.endsWith('.d.ts')) declaration = text;
  });
  const errors = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map(
    (d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
  );
  return { errors, declaration };
}

describe('declarations of a project that uses daebus', () => {
  it('name the logger, the metrics registry, the Redis client and every option type by daebus types (before: TS2742)', () => {
    const { errors, declaration } =
      declare(`import { cache, createLogger, Daebus, DaebusHttp, DaebusWebSocket, directLogger, MemoryBroker, RedisTransport } from 'daebus';
import type { HttpResponse, RouteOptions } from 'daebus';
export const log = createLogger();
export const app = new Daebus('svc');
export const appLogger = app.logger;
export const registry = app.metricsRegistry;
export const client = app.cache;
export const fallback = directLogger;
export const anyCache = cache;
export const transportCache = new RedisTransport('redis://127.0.0.1:6379').cache();
export const httpOptions = new DaebusHttp().options;
export const socketOptions = new DaebusWebSocket().options;
export const broker = new MemoryBroker();
export const subscribe = broker.subscribe.bind(broker);
export type Methods = RouteOptions['methods'];
export type WriteError = HttpResponse['writeError'];
`);
    expect(errors).toEqual([]);
    expect(declaration).toContain('log: import("daebus").Logger;');
    expect(declaration).toContain('appLogger: import("daebus").Logger;');
    expect(declaration).toContain('registry: import("daebus").MetricsRegistry;');
    expect(declaration).toContain('client: import("daebus").RedisClient;');
    expect(declaration).toContain('transportCache: import("daebus").RedisClient;');
    expect(declaration).not.toMatch(/winston|prom-client|ioredis|\.pnpm/);
  });

  it('still take what winston, prom-client and ioredis make where daebus asks for them', () => {
    const { errors } = declare(
      `import { Daebus, type Logger, type MetricsRegistry, type RedisClient } from 'daebus';
import type { Logger as WinstonLogger } from 'winston';
import type { Registry } from 'prom-client';
import type { Redis } from 'ioredis';
declare const winstonLogger: WinstonLogger;
export const app = new Daebus('svc', { logger: winstonLogger });
export const asLogger: Logger = winstonLogger;
export const backToWinston: WinstonLogger = app.logger;
export const registries: Registry[] = [app.metricsRegistry];
declare const registry: Registry;
export const asRegistry: MetricsRegistry = registry;
declare const redis: Redis;
export const asClient: RedisClient = redis;
export const backToRedis: Redis = app.cache;
`,
      ['winston', 'prom-client', 'ioredis'],
    );
    expect(errors).toEqual([]);
  });
});
