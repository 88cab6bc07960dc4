// How this machine's idle cores wake up (Linux, read from sysfs), printed in the runner's header.
// On a virtual machine whose idle cores halt without polling first (the haltpoll driver with
// guest_halt_poll_ns 0), waking a thread on an idle core goes through the host: a round trip
// between two threads or processes then takes either about 15 µs (the host still polls the
// idle core) or 60-100 µs (it does not), and keeps that mode for seconds at a time. Rows that
// wait on such round trips (pool latency, the queue hand-off, Redis at few requests in flight)
// split their rounds into the two modes for that reason.
import { readFileSync } from 'node:fs';

const read = (path) => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** One line about the cores' idle wake-ups, or undefined where sysfs says nothing. */
export function idlePollingText() {
  const driver = read('/sys/devices/system/cpu/cpuidle/current_driver');
  if (driver === undefined) return undefined;
  const governor = read('/sys/devices/system/cpu/cpuidle/current_governor') ?? read('/sys/devices/system/cpu/cpuidle/current_governor_ro');
  const pollNs = read('/sys/module/haltpoll/parameters/guest_halt_poll_ns');
  let text = `cpuidle: driver ${driver}, governor ${governor ?? 'unknown'}`;
  if (pollNs !== undefined) {
    text +=
      Number(pollNs) === 0
        ? ', guest halt polling off (guest_halt_poll_ns 0): wake-ups of idle cores go through the host, thread round trips are bimodal'
        : `, guest halt polling up to ${pollNs} ns`;
  }
  return text;
}
