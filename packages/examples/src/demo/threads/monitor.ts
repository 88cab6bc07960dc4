// The monitoring thread: wakes every few seconds with t.sleep() and logs how the process is
// doing. t.sleep() resolves false at once when the service stops, so a stop never waits for it.
import { cpus, loadavg } from 'node:os';
import { defineThread } from 'daebus/thread';

const INTERVAL_MS = 3_000;

export default defineThread(async (_running, t) => {
  t.log.info(`Checking the process every ${INTERVAL_MS / 1000} s`);
  let cpuBefore = process.cpuUsage();
  let timeBefore = performance.now();

  while (await t.sleep(INTERVAL_MS)) {
    const cpu = process.cpuUsage(cpuBefore);
    const elapsedMs = performance.now() - timeBefore;
    // CPU time of the whole process (every thread) per wall-clock time, in cores.
    const cores = (cpu.user + cpu.system) / 1000 / elapsedMs;
    const rssMiB = process.memoryUsage.rss() / 2 ** 20;
    const load = loadavg()[0] ?? 0;
    t.log.info(
      `process uses ${cores.toFixed(2)} of ${cpus().length} cores, rss ${rssMiB.toFixed(0)} MiB, load average ${load.toFixed(2)}`,
      { cores, rssMiB, load },
    );
    cpuBefore = process.cpuUsage();
    timeBefore = performance.now();
  }
  t.log.info('Monitor stopping');
});
