// How much CPU other processes used while a benchmark ran: the machine's busy time from
// /proc/stat minus this process's own (all its threads, from process.cpuUsage). Benchmarks on
// a shared machine are only as good as this figure is low. Linux only; elsewhere it reports null.
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on every Linux Node supports

function machineBusyMs() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return (user + nice + system + irq + softirq + steal) * TICK_MS;
  } catch {
    return null;
  }
}

/** CPU time of this process's reaped children (cutime + cstime in /proc/self/stat), in ms (0 off Linux). */
export function childrenMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * TICK_MS; // fields 16 and 17 of proc(5)
  } catch {
    return 0;
  }
}

/** CPU time (user + system) process `pid` has used so far, in ms; null off Linux or once it is gone. */
export function processCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // fields 14 and 15 of proc(5)
  } catch {
    return null;
  }
}

/** The whole machine's busy CPU time so far, in ms (null off Linux). */
export { machineBusyMs };

/**
 * Nanoseconds this process's main thread has run so far (the first field of its schedstat), and
 * all its threads together (process.cpuUsage); main is null off Linux. CPU time varies less than
 * latency on a shared machine: the rows that wait on wake-ups print it beside their times.
 */
export function threadCpuNs() {
  const { user, system } = process.cpuUsage();
  let main = null;
  try {
    main = Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    // not Linux: only the process's total is known
  }
  return { main, all: (user + system) * 1000 };
}

/** CPU per operation since `from` (a threadCpuNs()), in µs: the main thread's and the other threads'. */
export function cpuPerOp(from, ops) {
  const to = threadCpuNs();
  if (from.main === null || to.main === null) return { main: null, others: null };
  const main = to.main - from.main;
  return { main: main / 1000 / ops, others: (to.all - from.all - main) / 1000 / ops };
}

/** Start measuring; `stop()` returns { otherCores, wallMs } (otherCores null off Linux). */
export function cpuMeter() {
  const busy0 = machineBusyMs();
  const own0 = process.cpuUsage();
  const children0 = childrenMs();
  const t0 = performance.now();
  return {
    stop() {
      const wallMs = performance.now() - t0;
      const busy1 = machineBusyMs();
      const own = process.cpuUsage(own0);
      if (busy0 === null || busy1 === null || wallMs <= 0) return { otherCores: null, wallMs };
      const ownMs = (own.user + own.system) / 1000 + (childrenMs() - children0);
      return { otherCores: Math.max(0, (busy1 - busy0 - ownMs) / wallMs), wallMs };
    },
  };
}
