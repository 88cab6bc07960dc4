import type { ThreadSnapshot, ThreadState } from '../supervisor/events';
import { paint, oneLine, type Color } from './terminal-text';
import { formatBytes, formatDuration, formatPercent } from './units';

/** Options of `formatThreadTable(snapshots, options)`. */
export interface ThreadTableOptions {
  /** The time the ages and countdowns are counted from (ms since the epoch); default now. */
  now?: number | undefined;
  /** Color states and problems with ANSI escapes; default false. */
  color?: boolean | undefined;
}

interface Cell {
  text: string;
  color?: Color;
}

const HEADERS = ['THREAD', 'STATE', 'RESTARTS', 'UPTIME', 'LAST EXIT', 'NEXT RESTART', 'STALLED FOR', 'EVENT LOOP', 'HEAP'];
/** Numbers read best aligned right. */
const RIGHT = new Set([2, 3, 7, 8]);

const STATE_COLORS: Record<ThreadState, Color> = {
  starting: 'cyan',
  running: 'green',
  stopping: 'magenta',
  stopped: 'dim',
  backoff: 'yellow',
  failed: 'red',
  completed: 'dim',
};

/**
 * The threads as an aligned text table, one row per thread under a header: what `daebus threads`
 * prints, and what a service can print of its own `app.threads`. A value a snapshot does not
 * carry (a stopped thread's uptime, a heap not sampled yet) shows as `-`.
 */
export function formatThreadTable(snapshots: readonly ThreadSnapshot[], options: ThreadTableOptions = {}): string {
  const now = options.now ?? Date.now();
  const color = options.color ?? false;
  // what a service sent (a name, an error) shown, not obeyed, by a terminal
  const rows = snapshots.map((snapshot) => rowOf(snapshot, now).map((cell) => ({ ...cell, text: oneLine(cell.text) })));
  const widths = HEADERS.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]?.text.length ?? 0)));
  const line = (cells: Cell[], header: boolean): string =>
    cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        const text = RIGHT.has(i) ? cell.text.padStart(width) : cell.text.padEnd(width);
        // colors go on after padding, so that escapes do not count towards the width
        return paint(text, header ? 'bold' : cell.color, color);
      })
      .join('  ')
      .trimEnd();
  return [
    line(
      HEADERS.map((text) => ({ text })),
      true,
    ),
    ...rows.map((row) => line(row, false)),
  ].join('\n');
}

function rowOf(t: ThreadSnapshot, now: number): Cell[] {
  const up = t.uptimeMs ?? (t.startedAt !== undefined && (t.state === 'running' || t.state === 'stopping') ? now - t.startedAt : undefined);
  return [
    { text: t.name, color: 'bold' },
    { text: t.state, color: STATE_COLORS[t.state] },
    { text: String(t.restarts), color: t.restarts > 0 ? 'yellow' : undefined },
    { text: up === undefined ? '-' : formatDuration(up) },
    lastExitCell(t, now),
    { text: t.nextRestartAt === undefined ? '-' : `in ${formatDuration(Math.max(0, t.nextRestartAt - now))}`, color: 'yellow' },
    { text: t.stalledForMs === undefined ? '-' : formatDuration(t.stalledForMs), color: 'red' },
    { text: t.eventLoopUtilization === undefined ? '-' : formatPercent(t.eventLoopUtilization) },
    { text: t.heapUsedBytes === undefined ? '-' : formatBytes(t.heapUsedBytes) },
  ];
}

/** "crashed, code 1, 4.2s ago"; "stopped, code 0, terminated, 1m05s ago". */
function lastExitCell(t: ThreadSnapshot, now: number): Cell {
  const exit = t.lastExit;
  if (!exit) return { text: '-' };
  const parts = [
    exit.reason,
    `code ${exit.code}`,
    ...(exit.terminated ? ['terminated'] : []),
    `${formatDuration(Math.max(0, now - exit.at))} ago`,
  ];
  const bad = exit.reason !== 'normal' && (exit.reason !== 'stopped' || exit.terminated);
  return { text: parts.join(', '), color: bad ? 'red' : undefined };
}
