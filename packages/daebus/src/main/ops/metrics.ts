import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ThreadState } from '../supervisor/events';
import type { ActionObserver, ActionOutcome } from '../rpc/observer';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { EndpointMetrics } from './endpoint-metrics';
import { healthOf } from './health';
import { libraryVersion } from './library-version';
import { OutcomeMetrics } from './outcome-metrics';
import type { OpsView } from './ops-view';

/**
 * A prom-client registry, under a name of daebus's own: a project's declaration emit can name
 * `app.metricsRegistry` as `import("daebus").MetricsRegistry` where prom-client is not its own
 * dependency (TS2742).
 */
export interface MetricsRegistry extends Registry {}

/**
 * How long the first scrape waits for the event loop's delay histogram to take a few samples, and
 * how long after a scrape another gets the same text: each read of the histogram empties it.
 */
const FIRST_SAMPLES_MS = 30;
/** How often the event loop's delay is sampled (prom-client's default precision). */
const SAMPLE_MS = 10;

type Scraped = { contentType: string; text: string };

const STATES: readonly ThreadState[] = ['starting', 'running', 'stopping', 'stopped', 'backoff', 'failed', 'completed'];

/**
 * The service's Prometheus metrics, in a registry of its own (two apps in one process do not
 * mix). Everything but the request counts is read from the service when scraped, so a metric
 * costs nothing between scrapes; Node's default metrics (among them the main event loop's lag)
 * are added at the first scrape.
 */
export class ServiceMetrics implements ActionObserver {
  readonly registry = new Registry();
  /** The HTTP server's and the WebSocket endpoint's, told by them. */
  readonly endpoints: EndpointMetrics;
  readonly #requests: OutcomeMetrics<ActionOutcome>;
  readonly #rejected: Counter<'code'>;
  readonly #restarts: Counter<'thread'>;
  readonly #stalls: Counter<'thread'>;
  #defaults = false;
  /** The last scrape: under way, or done and recent, it answers the scrapes that come meanwhile. */
  #last?: { result: Promise<Scraped>; doneAt?: number };
  readonly #view: OpsView;

  constructor(view: OpsView) {
    this.#view = view;
    const registers = [this.registry];
    this.#requests = new OutcomeMetrics(this.registry, {
      label: 'action',
      outcomes: ['ok', 'error', 'busy'],
      timed: ['ok', 'error'],
      histogram: {
        name: 'daebus_action_duration_seconds',
        help: 'Time from taking a request in to its final reply, by action and outcome (ok, error).',
      },
      counter: { name: 'daebus_requests_total', help: 'Requests of registered actions, by action and outcome (ok, error, busy).' },
    });
    this.endpoints = new EndpointMetrics(this.registry, () => view.socketClients());
    this.#rejected = new Counter({
      name: 'daebus_requests_rejected_total',
      help: 'Messages refused before any action ran (bad request, unknown action, too large; a dead letter), by error code.',
      labelNames: ['code'],
      registers,
    });
    this.#restarts = new Counter({
      name: 'daebus_thread_restarts_total',
      help: "The supervisor's restarts of each thread after a crash or a stall (not a start or restart asked for).",
      labelNames: ['thread'],
      registers,
    });
    this.#stalls = new Counter({ name: 'daebus_thread_stalls_total', help: 'Stalls of each thread.', labelNames: ['thread'], registers });
    registerScraped(view, registers);
  }

  settled(action: string, outcome: ActionOutcome, seconds: number): void {
    this.#requests.observe(action, outcome, seconds);
  }

  rejected(code: string): void {
    this.#rejected.inc({ code });
  }

  /** Count the lifecycle events that are not a current state. */
  threadRestarted(thread: string): void {
    this.#restarts.inc({ thread });
  }

  threadStalled(thread: string): void {
    this.#stalls.inc({ thread });
  }

  /**
   * The exposition text, and its content type. Two Prometheus servers scraping at once (a pair
   * kept for availability) get the same text: the second read of the event loop's delay, just
   * emptied by the first, said 292 years and NaN.
   */
  scrape(): Promise<Scraped> {
    const last = this.#last;
    if (last && (last.doneAt === undefined || performance.now() - last.doneAt < FIRST_SAMPLES_MS)) return last.result;
    const scraping = { result: this.#scrapeNow() } as { result: Promise<Scraped>; doneAt?: number };
    void scraping.result.then(
      () => (scraping.doneAt = performance.now()),
      () => (this.#last = undefined),
    );
    this.#last = scraping;
    return scraping.result;
  }

  async #scrapeNow(): Promise<Scraped> {
    if (!this.#defaults) {
      this.#defaults = true;
      collectDefaultMetrics({ register: this.registry });
      countEarlierCpu(this.registry);
      // the event loop's delay histogram is empty until its first sample (every 10 ms): read at
      // once, its min said 292 years and its mean NaN, a spike on every restart's first scrape.
      // Waited for in turns of the loop, not in one timer: a loop held past the whole wait (a busy
      // machine) ran the sampler's first tick and this timer in the same turn, and the histogram
      // was still empty
      for (let waited = 0; waited < FIRST_SAMPLES_MS; waited += SAMPLE_MS) await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
    // every thread's counters from 0, not from its first event: rate() and increase() see the
    // first restart of a thread that crash-loops between two scrapes
    for (const { name } of this.#view.threads()) {
      this.#restarts.inc({ thread: name }, 0);
      this.#stalls.inc({ thread: name }, 0);
    }
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}

/** An app's metrics, or INVALID_STATE when it turned them off. */
export function metricsOn(metrics: ServiceMetrics | undefined): ServiceMetrics {
  if (metrics) return metrics;
  throw new DaebusError(ErrorCodes.INVALID_STATE, 'Metrics are off for this app (metrics: false in new Daebus(name, options)).');
}

/** The metrics read from the service at each scrape. */
function registerScraped(view: OpsView, registers: Registry[]): void {
  new Gauge({
    name: 'daebus_info',
    help: 'Always 1; the labels say which service and library version.',
    labelNames: ['service', 'version'],
    registers,
    collect() {
      this.reset();
      this.set({ service: view.service, version: libraryVersion() }, 1);
    },
  });
  new Gauge({
    name: 'daebus_ready',
    help: '1 when the service is ready (as /readyz): started, not stopping, transport connected, Redis taking its writes, no required thread failed or restarting, no thread stalled, a replica reading its requests.',
    registers,
    collect() {
      this.set(healthOf(view).ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'daebus_transport_connected',
    help: '1 while the transport can send and receive.',
    registers,
    collect() {
      this.set(view.transport()?.connected ? 1 : 0);
    },
  });
  // One gauge per item of a list the view reads at each scrape (threads, queues, actions), labelled with its name.
  const labelled =
    <T extends { readonly name: string }>(label: string, items: () => readonly T[]) =>
    (name: string, help: string, read: (item: T) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: [label],
        registers,
        collect() {
          this.reset();
          for (const item of items()) {
            const value = read(item);
            if (value !== undefined) this.set({ [label]: item.name }, value);
          }
        },
      });
  const perThread = labelled('thread', () => view.threads());
  const perQueue = labelled('queue', () => view.queues());
  const perAction = labelled('action', () => view.actionLoad());
  labelled('write', () => (view.transport()?.refused ?? []).map(({ what, count }) => ({ name: what, count })))(
    'daebus_redis_refused_writes',
    'Writes of each kind (replies, heartbeats, lease, intake, confirmations, renewals, upkeep) that Redis refused since the last it took; present only while it refuses them.',
    (refused) => refused.count,
  );
  new Gauge({
    name: 'daebus_thread_state',
    help: '1 for the state each thread is in, 0 for the others.',
    labelNames: ['thread', 'state'],
    registers,
    collect() {
      this.reset();
      for (const thread of view.threads())
        for (const state of STATES) this.set({ thread: thread.name, state }, thread.state === state ? 1 : 0);
    },
  });
  perThread('daebus_thread_up', '1 while the thread runs.', (t) => (t.state === 'running' ? 1 : 0));
  perThread('daebus_thread_stalled', '1 while the thread is stalled (no running() call, no event-loop turn for stallTimeoutMs).', (t) =>
    t.stalledForMs === undefined ? 0 : 1,
  );
  perThread(
    'daebus_thread_event_loop_utilization',
    "Share of the last sampling window the thread's event loop was busy.",
    (t) => t.eventLoopUtilization,
  );
  perThread('daebus_thread_heap_used_bytes', "The thread's V8 heap in use.", (t) => t.heapUsedBytes);
  perThread('daebus_thread_uptime_seconds', 'How long the current run of the thread has been up.', (t) =>
    t.uptimeMs === undefined ? undefined : t.uptimeMs / 1000,
  );
  perAction('daebus_action_running', 'Requests of each action running now (at most its concurrency).', (a) => a.running);
  perAction('daebus_action_queued', 'Requests of each action waiting for a slot (past its maxQueued: BUSY).', (a) => a.queued);
  perQueue('daebus_queue_depth', 'Items waiting in each shared queue.', (q) => q.waiting);
  perQueue('daebus_queue_in_progress', 'Items taken from each shared queue and not yet done.', (q) => q.inProgress);
  const pool = (name: string, help: string, read: (p: NonNullable<ReturnType<OpsView['pool']>>) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const stats = view.pool();
        if (stats) this.set(read(stats));
      },
    });
  const perTask = (name: string, help: string, read: (t: ReturnType<OpsView['tasks']>[number]) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['task'],
      registers,
      collect() {
        this.reset();
        for (const task of view.tasks()) this.inc({ task: task.name }, read(task));
      },
    });
  perTask('daebus_task_runs_total', 'Runs of each background task that finished.', (t) => t.runs);
  perTask('daebus_task_failures_total', 'Runs of each background task that failed (threw or rejected).', (t) => t.failures);
  pool('daebus_pool_utilization', 'Share of the pool capacity in use: calls running over maxWorkers.', (p) => p.utilization);
  pool('daebus_pool_queued', 'Pooled tasks waiting for a worker.', (p) => p.queued);
  pool('daebus_pool_running', 'Pooled tasks running.', (p) => p.running);
  pool('daebus_pool_threads', 'Worker threads in the pool.', (p) => p.threads);
}

/**
 * prom-client counts the process's CPU from the moment its default metrics are registered, here
 * the first scrape; Prometheus's process_cpu_* counters mean the CPU used since the process
 * started. What came before is added once.
 */
function countEarlierCpu(registry: Registry): void {
  const { user, system } = process.cpuUsage();
  const add = (name: string, micros: number): void => {
    (registry.getSingleMetric(name) as Counter | undefined)?.inc(micros / 1e6);
  };
  add('process_cpu_user_seconds_total', user);
  add('process_cpu_system_seconds_total', system);
  add('process_cpu_seconds_total', user + system);
}
