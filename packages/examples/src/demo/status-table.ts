import type { ThreadSnapshot, ThreadState } from 'daebus';
import { duration, fit, paint, type Color } from './format';

interface Cell {
  text: string;
  color?: Color;
}

const HEADERS = ['THREAD', 'STATE', 'RESTARTS', 'UPTIME', 'LAST EXIT', 'NEXT RESTART', 'LAST MESSAGE'];

const STATE_COLORS: Record<ThreadState, Color> = {
  starting: 'cyan',
  running: 'green',
  stopping: 'magenta',
  stopped: 'dim',
  backoff: 'yellow',
  failed: 'red',
  completed: 'dim',
};

/** One row of cells per thread, from `app.threads` at time `now`. */
export function statusRows(threads: Record<string, ThreadSnapshot>, lastMessages: ReadonlyMap<string, string>, now: number): Cell[][] {
  return Object.values(threads).map((t) => [
    { text: t.name, color: 'bold' },
    { text: t.state, color: STATE_COLORS[t.state] },
    { text: String(t.restarts) },
    { text: t.startedAt !== undefined && t.state === 'running' ? duration(now - t.startedAt) : '-' },
    lastExitCell(t),
    { text: t.nextRestartAt !== undefined ? `in ${Math.max(0, t.nextRestartAt - now)} ms` : '-', color: 'yellow' },
    { text: lastMessages.get(t.name) ?? '', color: 'dim' },
  ]);
}

function lastExitCell(t: ThreadSnapshot): Cell {
  const exit = t.lastExit;
  if (!exit) return { text: '-' };
  const text = `${exit.reason} after ${duration(exit.uptimeMs)} (code ${exit.code}${exit.terminated ? ', terminated' : ''})`;
  return { text, color: exit.reason === 'crashed' || exit.reason === 'out-of-memory' ? 'red' : undefined };
}

/**
 * Lay the rows out in aligned columns under a header. The last column takes what is left of
 * `width` and is cut to fit; colors are added after padding so they do not upset the alignment.
 */
export function renderTable(rows: Cell[][], options: { color: boolean; width?: number }): string[] {
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.text.length ?? 0)));
  const last = HEADERS.length - 1;
  const lead = widths.slice(0, last).reduce((sum, w) => sum + w + 2, 0);
  const lastWidth = options.width === undefined ? (widths[last] ?? 0) : Math.max(0, options.width - lead);
  const line = (cells: Cell[], header: boolean): string =>
    cells
      .map((cell, i) => {
        const text = i === last ? fit(cell.text, lastWidth) : cell.text.padEnd(widths[i] ?? 0);
        return paint(text, header ? 'bold' : cell.color, options.color);
      })
      .join('  ')
      .trimEnd();
  return [
    line(
      HEADERS.map((text) => ({ text })),
      true,
    ),
    ...rows.map((r) => line(r, false)),
  ];
}
