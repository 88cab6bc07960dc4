import { monotonicMs } from './clock';
import { LinkedSet, type Linkable } from './linked-set';

/** One wait's deadline, as `DeadlineTimer.add` returns it: `remove` takes it back. */
export class Deadline implements Linkable<Deadline> {
  linkPrev: Deadline | undefined;
  linkNext: Deadline | undefined;
  linked: boolean;
  /** Its lane; undefined once it fired or was removed. */
  lane: Lane | undefined;

  constructor(
    readonly at: number,
    readonly ms: number,
    readonly expire: () => void,
    lane: Lane,
  ) {
    this.linkPrev = undefined;
    this.linkNext = undefined;
    this.linked = false;
    this.lane = lane;
  }
}

/** The waits of one length, in the order they started (so their deadlines rise along it). */
class Lane extends LinkedSet<Deadline> {
  constructor(readonly ms: number) {
    super();
  }
}

const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** Up to this many lengths keep their lane while it is empty, for the next wait of that length. */
const KEPT_LANES = 16;

/**
 * The deadlines of many waits on one Node timer, armed for the earliest. A timer per wait made
 * and cleared Node's timer list of that length on every call whenever only one wait was out (a
 * sequential loop of requests): 10% of an in-process request's time. Waits of the same length
 * share a lane in the order they started, so a lane's deadlines rise along it: only the lanes'
 * first entries are read when the timer fires. Deadlines fire on time, as their own timers
 * would, and the timer keeps the process alive exactly while a wait is out (as a ref'd timer
 * per wait did).
 */
export class DeadlineTimer {
  /** Waits by length in ms, each lane in start order. */
  readonly #lanes = new Map<number, Lane>();
  #count = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;

  /** Run `expire` in `ms` unless the returned deadline is removed first. */
  add(ms: number, expire: () => void): Deadline {
    let lane = this.#lanes.get(ms);
    if (lane === undefined) {
      lane = new Lane(ms);
      this.#lanes.set(ms, lane);
    }
    const deadline = new Deadline(monotonicMs() + ms, ms, expire, lane);
    lane.add(deadline);
    if (this.#count++ === 0) this.#timer?.ref();
    if (deadline.at < this.#timerAt) this.#arm(deadline.at);
    return deadline;
  }

  /** The wait ended first: its deadline will not fire. */
  remove(deadline: Deadline): void {
    const { lane } = deadline;
    if (lane === undefined) return;
    lane.delete(deadline);
    deadline.lane = undefined;
    if (lane.size === 0 && this.#lanes.size > KEPT_LANES) this.#lanes.delete(lane.ms);
    if (--this.#count === 0) this.#timer?.unref();
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#timerAt = at;
    // a longer delay would fire at once: the timer then wakes early and arms again
    this.#timer = setTimeout(() => this.#fire(), Math.min(LONGEST_TIMER_MS, Math.max(0, at - monotonicMs())));
    if (this.#count === 0) this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = monotonicMs();
    // A late wake-up (a busy loop) finds several lanes due: fire across them earliest deadline
    // first, as Node fires its own timers. Bounded by the waits out now, so an expiry that adds a
    // wait of 0 ms cannot keep this loop going.
    for (let budget = this.#count; budget > 0; budget -= 1) {
      let due: Deadline | undefined;
      for (const lane of this.#lanes.values()) {
        const first = lane.first;
        if (first !== undefined && first.at <= now && (due === undefined || first.at < due.at)) due = first;
      }
      if (due === undefined) break;
      due.lane?.delete(due);
      due.lane = undefined;
      this.#count -= 1;
      try {
        due.expire();
      } catch (err) {
        // thrown as its own timer's callback would have been, without stopping the other waits
        queueMicrotask(() => {
          throw err;
        });
      }
    }
    let next = Infinity;
    for (const [ms, lane] of this.#lanes) {
      const first = lane.first;
      if (first === undefined) this.#lanes.delete(ms);
      else if (first.at < next) next = first.at;
    }
    if (next < Infinity && next < this.#timerAt) this.#arm(next);
  }
}
