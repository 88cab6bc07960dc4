// The threads table of `daebus threads`, `daebus watch` and the demo: columns, human units, '-'
// for what a snapshot does not carry, colors only when asked.
import { formatThreadTable, type ThreadSnapshot } from 'daebus';

const NOW = 1_700_000_000_000;

function rows(table: string): string[][] {
  return table.split('\n').map((line) => line.split(/ {2,}/).map((cell) => cell.trim()));
}

describe('formatThreadTable', () => {
  it('has a header and one row per thread, in the order given', () => {
    const table = formatThreadTable(
      [
        { name: 'worker', state: 'running', restarts: 0 },
        { name: 'poller', state: 'stopped', restarts: 2 },
      ],
      { now: NOW },
    );
    const [header, first, second] = table.split('\n');
    expect(header).toMatch(/^THREAD +STATE +RESTARTS +UPTIME +LAST EXIT +NEXT RESTART +STALLED FOR +EVENT LOOP +HEAP$/);
    expect(first).toMatch(/^worker +running +0 /);
    expect(second).toMatch(/^poller +stopped +2 /);
    expect(table.split('\n')).toHaveLength(3);
  });

  it('shows every optional field in human units', () => {
    const snapshot: ThreadSnapshot = {
      name: 'busy',
      state: 'running',
      restarts: 1,
      startedAt: NOW - 3_720_000,
      uptimeMs: 3_720_000,
      stalledForMs: 4_200,
      eventLoopUtilization: 0.372,
      heapUsedBytes: 12.3 * 1024 * 1024,
      lastExit: { reason: 'crashed', code: 1, terminated: false, at: NOW - 350, uptimeMs: 10 },
    };
    const [, row] = rows(formatThreadTable([snapshot], { now: NOW }));
    expect(row).toEqual(['busy', 'running', '1', '1h02m', 'crashed, code 1, 350ms ago', '-', '4.2s', '37%', '12.3 MiB']);
  });

  it("shows '-' for what is absent, and the uptime from startedAt when the snapshot has none", () => {
    const [, running, stopped] = rows(
      formatThreadTable(
        [
          { name: 'a', state: 'running', restarts: 0, startedAt: NOW - 65_000 },
          { name: 'b', state: 'stopped', restarts: 0, startedAt: NOW - 65_000 },
        ],
        { now: NOW },
      ),
    );
    expect(running).toEqual(['a', 'running', '0', '1m05s', '-', '-', '-', '-', '-']);
    expect(stopped).toEqual(['b', 'stopped', '0', '-', '-', '-', '-', '-', '-']);
  });

  it('counts down to the next restart and marks a terminated exit', () => {
    const [, row] = rows(
      formatThreadTable(
        [
          {
            name: 'flaky',
            state: 'backoff',
            restarts: 3,
            nextRestartAt: NOW + 800,
            lastExit: { reason: 'stopped', code: 1, terminated: true, at: NOW - 90 * 60_000, uptimeMs: 5 },
          },
        ],
        { now: NOW },
      ),
    );
    expect(row?.[4]).toBe('stopped, code 1, terminated, 1h30m ago');
    expect(row?.[5]).toBe('in 800ms');
  });

  it('uses small units for small values: bytes, tenths of a percent, milliseconds', () => {
    const [, row] = rows(
      formatThreadTable([{ name: 'idle', state: 'running', restarts: 0, uptimeMs: 999, eventLoopUtilization: 0.004, heapUsedBytes: 512 }], {
        now: NOW,
      }),
    );
    expect(row?.slice(3)).toEqual(['999ms', '-', '-', '-', '0.4%', '512 B']);
  });

  it('lines the columns up, with numbers aligned right', () => {
    const table = formatThreadTable(
      [
        { name: 'a', state: 'running', restarts: 0, heapUsedBytes: 2 * 1024 * 1024 * 1024 },
        { name: 'long-name', state: 'failed', restarts: 12, heapUsedBytes: 100 },
      ],
      { now: NOW },
    );
    const lines = table.split('\n');
    expect(lines[1]?.indexOf('running')).toBe(lines[2]?.indexOf('failed'));
    expect(lines[1]).toMatch(/ 2\.0 GiB$/);
    expect(lines[2]).toMatch(/ {3}100 B$/);
    expect(table).not.toContain('\x1b[');
  });

  it('colors only when asked, without upsetting the alignment', () => {
    const snapshots: ThreadSnapshot[] = [{ name: 'dead', state: 'failed', restarts: 5 }];
    const colored = formatThreadTable(snapshots, { now: NOW, color: true });
    expect(colored).toContain('\x1b[31mfailed');
    // eslint-disable-next-line no-control-regex
    expect(colored.replace(/\x1b\[\d+m/g, '')).toBe(formatThreadTable(snapshots, { now: NOW }));
  });

  it("leaves '-' uncolored", () => {
    const colored = formatThreadTable([{ name: 'idle', state: 'stopped', restarts: 0 }], { now: NOW, color: true });
    for (const code of [31, 32, 33, 36]) expect(colored).not.toContain(`\x1b[${code}m-`);
  });

  it('rounds durations into the next unit instead of showing 60.0s or 60m', () => {
    const table = formatThreadTable(
      [
        { name: 'a', state: 'running', restarts: 0, uptimeMs: 59_960 },
        { name: 'b', state: 'running', restarts: 0, uptimeMs: 3_599_700 },
        { name: 'c', state: 'running', restarts: 0, uptimeMs: 90_000_000 },
      ],
      { now: NOW },
    );
    expect(rows(table).map((row) => row[3])).toEqual(['UPTIME', '1m00s', '1h00m', '1d01h']);
  });

  it('is just the header when there are no threads', () => {
    expect(formatThreadTable([], { now: NOW }).split('\n')).toHaveLength(1);
  });
});
