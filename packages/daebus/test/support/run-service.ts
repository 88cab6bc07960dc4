// Runs the service fixture (fixtures/service.cjs) as a child process, as it runs in production,
// and collects its JSON lines (log records and what it reports) and its exit code.
import { spawn, type ChildProcess } from 'node:child_process';
import { fixture } from './helpers';

export interface Outcome {
  code: number | null;
  lines: Record<string, unknown>[];
}

/** The children runService started that have not exited yet. */
const running = new Set<ChildProcess>();

/** Kill every service child still running: for afterEach, so that a test that times out leaves no process behind. */
export function killServices(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export function runService(
  scenario: string,
  onReady?: (child: ChildProcess) => void,
  options: { args?: string[]; env?: NodeJS.ProcessEnv; onLine?: (line: Record<string, unknown>, child: ChildProcess) => void } = {},
): Promise<Outcome> {
  const child = spawn(process.execPath, [fixture('service.cjs'), scenario, ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  running.add(child);
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        if (parsed.ready === true) onReady?.(child);
        options.onLine?.(parsed, child);
      } catch {
        // not a JSON line
      }
    }
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      running.delete(child);
      if (stderr.trim()) lines.push({ stderr });
      resolve({ code, lines });
    });
  });
}

export function result(outcome: Outcome): {
  code: number;
  threads: Record<string, { state: string; lastExit?: { reason: string; terminated: boolean } }>;
} {
  const last = outcome.lines.find((l) => 'threads' in l);
  if (!last) throw new Error(`the service printed no result: ${JSON.stringify(outcome.lines)}`);
  return last as never;
}
