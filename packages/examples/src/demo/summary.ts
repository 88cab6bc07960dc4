import { formatThreadTable, type Daebus, type ThreadRestartEvent } from 'daebus';
import { duration } from './format';
import { lastMessageLines } from './last-messages';

/** Collects the restart events of every thread, for the summary. */
export function recordRestarts(app: Daebus): Map<string, ThreadRestartEvent[]> {
  const restarts = new Map<string, ThreadRestartEvent[]>();
  app.on('restart', (event) => {
    const list = restarts.get(event.name) ?? [];
    list.push(event);
    restarts.set(event.name, list);
  });
  return restarts;
}

/** The final report: the thread table once more, each thread's last message, and its restart delays. */
export function summary(
  app: Daebus,
  restarts: ReadonlyMap<string, ThreadRestartEvent[]>,
  lastMessages: ReadonlyMap<string, string>,
  ranMs: number,
): string {
  const lines = [`Summary: service "${app.service}" ran for ${duration(ranMs)}, exit code ${process.exitCode ?? 0}`, ''];
  lines.push(formatThreadTable(Object.values(app.threads)), '');
  lines.push('Last message of each thread:', ...lastMessageLines(Object.keys(app.threads), lastMessages), '');
  for (const name of Object.keys(app.threads)) {
    const events = restarts.get(name) ?? [];
    if (events.length === 0) {
      lines.push(`${name}: never restarted`);
      continue;
    }
    // A new backoff sequence (attempt 1 again, after a long enough run) starts after a "|".
    const delays = events.map((e, i) => `${i > 0 && e.attempt === 1 ? '| ' : ''}${e.delayMs}`).join(' ');
    lines.push(`${name}: ${events.length} restart(s), delays in ms: ${delays}`);
  }
  return lines.join('\n');
}
