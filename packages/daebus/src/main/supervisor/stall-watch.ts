import type { RunProbe, WorkerRun } from './worker-run';

/**
 * The clock a stall is counted on: real time, which the thread lives in. Not `monotonicMs()`:
 * a test runner's fake timers (jest's, vitest's) move that one, and a minute of fake time made a
 * live thread look stalled. They leave `process.uptime()` alone. An object, so a test can swap it.
 */
export const stallClock = { now: (): number => Math.round(process.uptime() * 1000) };

/** Samples at least this often, for the event-loop and heap figures, with stall detection off too. */
const MAX_SAMPLE_MS = 1_000;
const MIN_SAMPLE_MS = 10;

/**
 * How often a run is sampled: four times per `stallTimeoutMs` (so a stall is seen within a
 * quarter of the timeout past it), at most once a second.
 */
export function sampleIntervalMs(stallTimeoutMs: number): number {
  if (stallTimeoutMs <= 0) return MAX_SAMPLE_MS;
  return Math.max(MIN_SAMPLE_MS, Math.min(MAX_SAMPLE_MS, Math.floor(stallTimeoutMs / 4)));
}

/** The thread's side beats twice per sample, so that timer drift never leaves a window empty. */
export function tickIntervalMs(stallTimeoutMs: number): number {
  return Math.max(MIN_SAMPLE_MS / 2, Math.floor(sampleIntervalMs(stallTimeoutMs) / 2));
}

export interface StallEvents {
  /** No beat for longer than the timeout: called once per stall. */
  stalled(stalledForMs: number): void;
  /** A beat again after a stall. */
  recovered(stalledForMs: number): void;
}

/**
 * Watches one running run from the main side, without the thread's help: samples its heartbeat,
 * event-loop utilization and heap on a timer. The heartbeat is sticky until sampled, so a main
 * thread that was itself busy never mistakes a live thread for a stalled one: the beat is
 * still there when the late sample comes.
 */
export class StallWatch {
  readonly #run: WorkerRun;
  readonly #timeoutMs: number;
  readonly #events: StallEvents;
  readonly #timer: NodeJS.Timeout;
  #lastBeatAt: number;
  #stalledSince?: number;
  #last?: RunProbe;

  constructor(run: WorkerRun, stallTimeoutMs: number, events: StallEvents, now = stallClock.now()) {
    this.#run = run;
    this.#timeoutMs = stallTimeoutMs;
    this.#events = events;
    this.#lastBeatAt = now;
    this.#timer = setInterval(() => this.sample(), sampleIntervalMs(stallTimeoutMs));
    this.#timer.unref();
  }

  /** Take one sample now (the timer calls this). */
  sample(now = stallClock.now()): void {
    const probe = this.#run.probe();
    this.#last = probe;
    if (probe.alive) {
      this.#lastBeatAt = now;
      if (this.#stalledSince !== undefined) {
        const stalledForMs = now - this.#stalledSince;
        this.#stalledSince = undefined;
        this.#events.recovered(stalledForMs);
      }
      return;
    }
    // a run terminated and not ended is held by a native call: reported as blocked (blockedLine), not as a stall
    if (this.#run.terminated) return;
    if (this.#timeoutMs > 0 && this.#stalledSince === undefined && now - this.#lastBeatAt > this.#timeoutMs) {
      this.#stalledSince = this.#lastBeatAt;
      this.#events.stalled(now - this.#lastBeatAt);
    }
  }

  /** Set while stalled: how long since the last beat. */
  stalledForMs(now = stallClock.now()): number | undefined {
    return this.#stalledSince === undefined ? undefined : now - this.#stalledSince;
  }

  get eventLoopUtilization(): number | undefined {
    return this.#last?.eventLoopUtilization;
  }

  get heapUsedBytes(): number | undefined {
    return this.#last?.heapUsedBytes;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
