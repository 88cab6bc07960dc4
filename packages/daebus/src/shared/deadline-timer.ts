import { monotonicMs } from './clock';

/** One wait's deadline, as `DeadlineTimer.add` returns it: `remove` takes it back. */
export class Deadline {
  /** Its neighbours in its lane, earlier and later; `lane` is undefined once it fired or was removed. */
  prev: Deadline | undefined = undefined;
  next: Deadline | undefined = undefined;
  lane: Lane | undefined;

  constructor(
    readonly at: number,
    readonly ms: number,
    readonly expire: () => void,
    lane: Lane,
  ) {
    this.lane = lane;
  }
}

/**
 * The waits of one length, in the order they started, linked through the deadlines themselves:
 * adding and removing allocate nothing (a Set per lane made a new hash table whenever it went
 * from one wait to none, every call of a sequential caller).
 */
class Lane {
  first: Deadline | undefined = undefined;
  last: Deadline | undefined = undefined;
  size = 0;

  constructor(readonly ms: number) {}

  push(deadline: Deadline): void {
    deadline.prev = this.last;
    if (this.last === undefined) this.first = deadline;
    else this.last.next = deadline;
    this.last = deadline;
    this.size += 1;
  }

  unlink(deadline: Deadline): void {
    const { prev, next } = deadline;
    if (prev === undefined) this.first = next;
    else prev.next = next;
    if (next === undefined) this.last = prev;
    else next.prev = prev;
    deadline.prev = deadline.next = deadline.lane = undefined;
    this.size -= 1;
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
    lane.push(deadline);
    if (this.#count++ === 0) this.#timer?.ref();
    if (deadline.at < this.#timerAt) this.#arm(deadline.at);
    return deadline;
  }

  /** The wait ended first: its deadline will not fire. */
  remove(deadline: Deadline): void {
    const { lane } = deadline;
    if (lane === undefined) return;
    lane.unlink(deadline);
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
    let next = Infinity;
    for (const [ms, lane] of this.#lanes) {
      for (let deadline = lane.first; deadline !== undefined; deadline = lane.first) {
        if (deadline.at > now) {
          next = Math.min(next, deadline.at);
          break;
        }
        lane.unlink(deadline);
        this.#count -= 1;
        try {
          deadline.expire();
        } catch (err) {
          // thrown as its own timer's callback would have been, without stopping the other waits
          queueMicrotask(() => {
            throw err;
          });
        }
      }
      if (lane.size === 0) this.#lanes.delete(ms);
    }
    if (next < Infinity && next < this.#timerAt) this.#arm(next);
  }
}
