// Text shown on a terminal: control characters from elsewhere are shown, not obeyed; the tables'
// own colours stay.
import { formatThreadTable } from 'daebus';
import { forTerminal, oneLine } from '../../src/main/ops/terminal-text';
import { Painted, shownLines } from '../../src/cli/output';

describe('oneLine', () => {
  it('shows C0 controls, tabs and newlines included, DEL and C1 controls as \\u escapes', () => {
    expect(oneLine('a\x1b]0;title\x07b\x7f\x9bc')).toBe('a\\u001b]0;title\\u0007b\\u007f\\u009bc');
    expect(oneLine('one\ttwo\nthree')).toBe('one\\u0009two\\u000athree');
    expect(oneLine('plain text, ünïcode 🙂')).toBe('plain text, ünïcode 🙂');
  });
});

describe('forTerminal', () => {
  it('on a terminal, keeps tabs and newlines', () => {
    expect(forTerminal('one\ttwo\nthree\x07', { isTTY: true })).toBe('one\ttwo\nthree\\u0007');
  });

  it('on a terminal, escapes control characters, colour codes included (a service could send those too)', () => {
    const text = '\x1b[31mfailed\x1b[0m \x1b[8mhidden\x1b[2J';
    expect(forTerminal(text, { isTTY: true })).toBe('\\u001b[31mfailed\\u001b[0m \\u001b[8mhidden\\u001b[2J');
  });

  it('elsewhere (a pipe, a file), leaves the text as it is', () => {
    expect(forTerminal('a\x1b[2Jb', { isTTY: false })).toBe('a\x1b[2Jb');
    expect(forTerminal('a\x1b[2Jb', {})).toBe('a\x1b[2Jb');
  });
});

describe('formatThreadTable', () => {
  it('shows control characters in what a service sent (a name, an error), coloured or not, on one line', () => {
    const snapshot = {
      name: 'evil\x1b[2J\nname',
      state: 'failed' as const,
      restarts: 1,
      lastExit: { reason: 'crashed' as const, code: 1, terminated: false, at: 0, uptimeMs: 5 },
    };
    for (const color of [false, true]) {
      const table = formatThreadTable([snapshot], { now: 1_000, color });
      expect(table.split('\n')).toHaveLength(2);
      expect(table).toContain('evil\\u001b[2J\\u000aname');
      // eslint-disable-next-line no-control-regex -- the colour codes, taken out
      expect(table.replace(/\x1b\[\d+m/g, '')).not.toContain('\x1b');
    }
  });
});

describe('shownLines (what the CLI prints)', () => {
  it('on a terminal, keeps the colours of its own tables only: a colour code in a name a service sent is shown', () => {
    // before: `daebus info` let a service's colour codes through (the tables' own were let through everywhere)
    const table = formatThreadTable([{ name: 'a\x1b[32mgreen', state: 'running', restarts: 0 }], { now: 0, color: true });
    const lines = ['actions   evil, a\x1b[32mgreen', new Painted(table)];
    const shown = shownLines(lines, { isTTY: true });
    expect(shown).toContain('actions   evil, a\\u001b[32mgreen');
    expect(shown).toContain('a\\u001b[32mgreen'); // in the table's cell too
    expect(shown).toContain('\x1b[32mrunning'); // the table's own colour
    expect(shownLines(lines, { isTTY: false })).toBe(`actions   evil, a\x1b[32mgreen\n${table}`);
  });
});
