// Many waits' timeouts on one timer (shared/deadline-timer.ts).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { DeadlineTimer } from '../../src/shared/deadline-timer';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('DeadlineTimer', () => {
  it('fires each wait that was not removed, earliest deadline first, across lengths', async () => {
    const timer = new DeadlineTimer();
    const fired: string[] = [];
    timer.add(60, () => fired.push('a60'));
    const b = timer.add(20, () => fired.push('b20'));
    timer.add(40, () => fired.push('c40'));
    timer.add(20, () => fired.push('d20'));
    timer.add(5, () => fired.push('e5'));
    timer.remove(b);
    timer.remove(b); // a second remove does nothing
    await sleep(150);
    expect(fired).toEqual(['e5', 'd20', 'c40', 'a60']);
  });

  it('fires in deadline order across lengths when it wakes late, after all of them are due', async () => {
    const timer = new DeadlineTimer();
    const fired: string[] = [];
    timer.add(60, () => fired.push('a60'));
    timer.add(20, () => fired.push('b20'));
    timer.add(40, () => fired.push('c40'));
    timer.add(5, () => fired.push('d5'));
    const busyUntil = Date.now() + 100; // a busy loop: every deadline passes before the timer runs
    while (Date.now() < busyUntil);
    await sleep(20);
    expect(fired).toEqual(['d5', 'b20', 'c40', 'a60']);
  });

  it('takes waits added while it fires, and a wait longer than a Node timer can hold does not fire early', async () => {
    const timer = new DeadlineTimer();
    const fired: string[] = [];
    const long = timer.add(2 ** 32, () => fired.push('never'));
    timer.add(10, () => {
      fired.push('first');
      timer.add(10, () => fired.push('added while firing'));
    });
    await sleep(120);
    expect(fired).toEqual(['first', 'added while firing']);
    timer.remove(long); // it holds the process otherwise
  });

  // the module as built: a child process has no TypeScript transform
  const built = JSON.stringify(join(__dirname, '..', '..', 'dist', 'shared', 'deadline-timer.js'));
  const run = (script: string): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(process.execPath, ['-e', script], { timeout: 20_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });

  it('fires the other waits when one expiry throws, and the throw still reaches the process', async () => {
    const script =
      `const { DeadlineTimer } = require(${built}); const t = new DeadlineTimer(); const fired = [];` +
      `process.on('uncaughtException', (err) => fired.push('thrown: ' + err.message));` +
      `t.add(10, () => { throw new Error('expiry failed'); }); t.add(10, () => fired.push('same length'));` +
      `t.add(30, () => fired.push('later')); setTimeout(() => console.log(fired.sort().join(', ')), 100);`;
    await expect(run(script)).resolves.toBe('later, same length, thrown: expiry failed\n');
  });

  it('keeps the process alive while a wait is out, and not once every wait ended', async () => {
    // a wait of ten minutes, removed: the process exits at once instead of waiting for it
    await expect(
      run(
        `const { DeadlineTimer } = require(${built}); const t = new DeadlineTimer(); t.remove(t.add(600000, () => {})); console.log('done');`,
      ),
    ).resolves.toBe('done\n');
    // a wait left out keeps the process until it fires
    await expect(
      run(`const { DeadlineTimer } = require(${built}); new DeadlineTimer().add(100, () => console.log('fired'));`),
    ).resolves.toBe('fired\n');
  });
});
