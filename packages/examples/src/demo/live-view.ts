import { formatThreadTable, type Daebus } from 'daebus';
import { duration, logLine, paint } from './format';
import { lastMessageLines } from './last-messages';
import type { RecentLogs } from './recent-logs';

const ESC = '\x1b[';
const ALT_SCREEN_ON = `${ESC}?1049h`;
const ALT_SCREEN_OFF = `${ESC}?1049l`;
const CURSOR_HIDE = `${ESC}?25l`;
const CURSOR_SHOW = `${ESC}?25h`;
const HOME = `${ESC}H`;
const CLEAR_LINE_END = `${ESC}K`;
const CLEAR_BELOW = `${ESC}J`;

const FRAME_MS = 100;

/**
 * The thread table and the latest log lines, redrawn in place on the terminal's alternate
 * screen ten times a second. Each frame overwrites the last one line by line (no full clear, so
 * no flicker); `stop()` gives the terminal back as it was.
 */
export class LiveView {
  readonly #app: Daebus;
  readonly #logs: RecentLogs;
  readonly #out: NodeJS.WriteStream;
  readonly #startedAt = Date.now();
  #timer?: NodeJS.Timeout;
  readonly #restore = (): void => {
    this.#out.write(CURSOR_SHOW + ALT_SCREEN_OFF);
  };

  constructor(app: Daebus, logs: RecentLogs, out: NodeJS.WriteStream = process.stdout) {
    this.#app = app;
    this.#logs = logs;
    this.#out = out;
  }

  start(): void {
    this.#out.write(ALT_SCREEN_ON + CURSOR_HIDE);
    // Whatever ends the process, the terminal gets its normal screen and cursor back.
    process.once('exit', this.#restore);
    this.#timer = setInterval(() => this.render(), FRAME_MS);
    this.#timer.unref();
    this.render();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.render();
    process.off('exit', this.#restore);
    this.#restore();
  }

  render(): void {
    const width = this.#out.columns || 100;
    const height = this.#out.rows || 30;
    const now = Date.now();
    const title = `daebus demo: service "${this.#app.service}", up ${duration(now - this.#startedAt)}`;
    const hint = 'Ctrl-C stops cleanly; a second Ctrl-C forces';
    // the same table `daebus threads` prints for a running service
    const table = formatThreadTable(Object.values(this.#app.threads), { now, color: true }).split('\n');
    const last = lastMessageLines(Object.keys(this.#app.threads), this.#logs.lastByThread, width);
    const head = [
      `${paint(title, 'bold', true)}   ${paint(hint, 'dim', true)}`,
      '',
      ...table,
      '',
      paint('Last message of each thread', 'bold', true),
      ...last,
      '',
      paint('Recent log', 'bold', true),
    ];
    const room = Math.max(0, height - head.length - 1);
    const logs = this.#logs.lines.slice(-room).map((line) => logLine(line, { color: true, width }));
    this.#out.write(HOME + [...head, ...logs].join(`${CLEAR_LINE_END}\n`) + CLEAR_LINE_END + CLEAR_BELOW);
  }
}
