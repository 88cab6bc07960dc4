import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { formatThreadTable } from '../../main/ops/thread-table';
import { formatDuration } from '../../main/ops/units';
import { toPlainError } from '../../shared/errors';
import { openCaller, shownRedis, type ServiceLink } from '../connection';
import { describeHealth } from '../describe';
import { untilInterrupted, unlessStopped } from '../interrupt';
import { globalsOf, wholeNumber, type GlobalOptions } from '../options';
import { colourful, Painted, shownLines, type Line } from '../output';
import { readLiveReplicas } from '../live-replicas';
import { findService } from '../service';
import { fetchHealth, fetchInfo, fetchThreads, type Health, type ReplicaInfo, type ServiceInfo, type ThreadsReply } from '../queries';
import { openReplicaCaller, pickReplicas, replicaHeading } from '../replica-targets';
import { blamesRedis, describeFailure, type Asked } from './watch-failure';
import { monotonicMs } from '../../shared/clock';

/**
 * One look at the service: what it answered, or why it did not (`state`: a replica still asked,
 * past the look's patience; one that left the live replicas, shown once).
 */
type Sample =
  { at: number; threads: ThreadsReply; health: Health; info: ServiceInfo } | { at: number; error: string; state?: 'waiting' | 'gone' };
type Good = Extract<Sample, { info: ServiceInfo }>;

/** A look at a service that runs no replicas (`replicas` undefined), or at each live replica watched. */
interface View {
  at: number;
  single?: Sample;
  replicas?: { replica: ReplicaInfo; sample: Sample }[];
}

const HOME_AND_CLEAR = '\x1b[H\x1b[2J';
/** The least a look waits for a replica's answer before it shows the others without it. */
const MIN_PATIENCE_MS = 500;
/** How long after Redis was unreachable a service found missing may be reconnecting, not gone. */
const REDIS_GRACE_MS = 10_000;

export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description(
      'A live view of a service: its threads, health and uptime, redrawn in place on a terminal and printed as ' +
        'timestamped blocks otherwise. Exits 3 when the service does not answer at first; goes on when it stops ' +
        'answering later; Ctrl-C ends it.',
    )
    .argument('<service>', 'the service name')
    .option('--interval <ms>', 'time between refreshes', wholeNumber(50), 1_000)
    // the program parses it too, before or after the verb (program.ts)
    .option('--replica <id>', 'of a replicated service, watch only this replica (default: each live replica, one block each)')
    .addHelpText('after', '\nExample:\n  $ daebus watch orders --interval 500')
    .action(async (service: string, options: { interval: number }, command: Command) => {
      const globals = globalsOf(command);
      // before connecting: a Ctrl-C while Redis or the service has not answered yet ends it with status 0 too (it was 130)
      const interrupt = untilInterrupted();
      try {
        const link = await unlessStopped(interrupt.stopped, openWatched(globals, service), (opened) => opened.caller.close());
        if (link === undefined) return;
        const live = process.stdout.isTTY === true;
        // a replica's answer is waited for one interval, and at least MIN_PATIENCE_MS: on a loaded machine a
        // healthy replica's answer can take longer than a short interval
        const watcher = new Watcher(link, globals, globals.replica, Math.max(options.interval, MIN_PATIENCE_MS));
        try {
          while (!interrupt.signal.aborted) {
            // a look at a service that hangs waits up to --timeout: Ctrl-C must not wait with it
            const view = await Promise.race([watcher.look(), interrupt.stopped.then(() => undefined)]);
            if (view === undefined || interrupt.signal.aborted) break;
            const lines = [heading(view.at, service, globals, options.interval, live), ...watcher.render(view)];
            const text = shownLines(lines, process.stdout);
            process.stdout.write(live ? `${HOME_AND_CLEAR}${text}\n` : `${text}\n\n`);
            await sleep(options.interval, undefined, { signal: interrupt.signal }).catch(() => undefined);
          }
        } finally {
          await watcher.close();
        }
      } finally {
        interrupt.dispose();
      }
    });
}

/** A caller of `service`, once it answered: one that is not there (a misspelt name), or a --replica that names no live replica, ends the watch. */
async function openWatched(globals: GlobalOptions, service: string): Promise<ServiceLink> {
  const link = await openCaller(globals, service);
  try {
    const replicas = await findService(link, globals);
    if (globals.replica !== undefined) pickReplicas(service, replicas, globals.replica);
    return link;
  } catch (err) {
    await link.caller.close();
    throw err;
  }
}

/**
 * The looks of one watch: at the service, or, while it runs replicas, at each replica on its own
 * channel, so that each block's threads, health and info come from one process.
 */
class Watcher {
  /** The last good sample of the service (key '') or of each replica (its id). */
  readonly #lastGood = new Map<string, Good>();
  readonly #replicaLinks = new Map<string, Promise<ServiceLink>>();
  /** The replicas of the last look that listed them: while the list cannot be had, their blocks stay. */
  #lastReplicas?: ReplicaInfo[];
  /** Each replica's look still waited for (up to --timeout), and when it was asked: a stalled one is not asked again meanwhile. */
  readonly #asking = new Map<string, { since: number; sample: Promise<Sample> }>(); // since: the monotonic clock

  /** `patienceMs`: how long a view waits for a replica's answer before it shows the others without it. */
  constructor(
    readonly link: ServiceLink,
    readonly globals: GlobalOptions,
    readonly only: string | undefined,
    readonly patienceMs: number,
  ) {}

  /** When a look last found Redis unreachable. */
  #redisFailedAt = Number.NEGATIVE_INFINITY;

  async look(): Promise<View> {
    const view = await this.#look();
    const samples = view.single ? [view.single] : (view.replicas ?? []).map(({ sample }) => sample);
    if (samples.some((sample) => 'error' in sample && blamesRedis(sample.error))) this.#redisFailedAt = monotonicMs();
    return view;
  }

  async #look(): Promise<View> {
    let replicas: ReplicaInfo[];
    try {
      // from their presence in Redis: a busy replicated service would answer daebus.replicas late
      replicas = await readLiveReplicas(this.link, this.globals);
    } catch (err) {
      const error = await describeFailure(err, this.link, this.globals, { answeredBefore: this.#lastGood.size > 0 });
      // each replica's block stays, with what it last said
      if (this.#lastReplicas)
        return { at: Date.now(), replicas: this.#lastReplicas.map((replica) => ({ replica, sample: { at: Date.now(), error } })) };
      return { at: Date.now(), single: { at: Date.now(), error } };
    }
    if (this.only !== undefined) replicas = replicas.filter((replica) => replica.id === this.only);
    await this.#closeLinks(new Set(replicas.map((replica) => replica.id)));
    if (replicas.length === 0 && this.only === undefined) {
      const redisLately = monotonicMs() - this.#redisFailedAt < REDIS_GRACE_MS;
      const single = await look(this.link, this.globals, { answeredBefore: this.#lastGood.size > 0, redisLately });
      // every replica gone, and nothing answers in their place: their blocks stay, with what they last said
      if ('error' in single && this.#lastReplicas)
        return { at: Date.now(), replicas: this.#lastReplicas.map((replica) => ({ replica, sample: single })) };
      this.#lastReplicas = undefined;
      return { at: Date.now(), single };
    }
    // replicas that left the list since the last look (their presence expired): said once
    const left = (this.#lastReplicas ?? []).filter((last) => !replicas.some((replica) => replica.id === last.id));
    this.#lastReplicas = replicas.length > 0 ? replicas : undefined;
    if (replicas.length === 0) return { at: Date.now(), replicas: [this.#gone(this.only as string)] };
    const samples = await Promise.all(replicas.map(async (replica) => ({ replica, sample: await this.#sample(replica) })));
    return { at: Date.now(), replicas: [...samples, ...left.map(leftBlock)] };
  }

  /**
   * `replica`'s answer, waited for up to `patienceMs`: a replica that does not answer (stalled)
   * must not hold back the others' blocks for its whole --timeout. Its look goes on meanwhile;
   * the view shows it as not answered yet.
   */
  async #sample(replica: ReplicaInfo): Promise<Sample> {
    let asking = this.#asking.get(replica.id);
    if (asking === undefined) {
      const opened = this.#replicaLinks.get(replica.id) ?? openReplicaCaller(this.globals, this.link.caller.service, replica.id);
      this.#replicaLinks.set(replica.id, opened);
      const asked = { replica, answeredBefore: this.#lastGood.has(replica.id) };
      const sample = opened.then(
        (link) => look(link, this.globals, asked),
        (err: unknown): Sample => ({ at: Date.now(), error: toPlainError(err).message }),
      );
      asking = { since: monotonicMs(), sample };
      this.#asking.set(replica.id, asking);
      void sample.finally(() => this.#asking.delete(replica.id));
    }
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), this.patienceMs)));
    const sample = await Promise.race([asking.sample, patience]);
    clearTimeout(timer);
    if (sample !== undefined) return sample;
    const waited = `asked ${formatDuration(monotonicMs() - asking.since)} ago, waiting up to ${formatDuration(this.globals.timeout)}`;
    return { at: Date.now(), error: `no answer yet (${waited})`, state: 'waiting' };
  }

  /** The body of a view: as before for a service without replicas; else a block per replica, under its heading. */
  render(view: View): Line[] {
    if (view.single) return this.#body('', view.single);
    return (view.replicas ?? []).flatMap(({ replica, sample }) => ['', replicaHeading(replica), ...this.#body(replica.id, sample)]);
  }

  async close(): Promise<void> {
    await this.#closeLinks(new Set());
    await this.link.caller.close();
  }

  #body(key: string, sample: Sample): Line[] {
    if ('info' in sample) this.#lastGood.set(key, sample);
    return render(sample, this.#lastGood.get(key));
  }

  /** The replica watched with --replica, once it is no longer among the live ones. */
  #gone(id: string): { replica: ReplicaInfo; sample: Sample } {
    const last = this.#lastGood.get(id)?.info;
    const replica = { id, host: last?.host ?? '?', pid: last?.pid ?? 0, startedAt: 0, inFlight: 0, lastSeen: 0 };
    return { replica, sample: { at: Date.now(), error: 'not among the live replicas of the service' } };
  }

  /** Close the links of replicas no longer watched. */
  async #closeLinks(keep: ReadonlySet<string>): Promise<void> {
    for (const [id, opened] of this.#replicaLinks) {
      if (keep.has(id)) continue;
      this.#replicaLinks.delete(id);
      await opened.then((link) => link.caller.close()).catch(() => undefined);
    }
  }
}

/** A replica no longer among the live ones (not the one --replica names): its block, once. */
function leftBlock(replica: ReplicaInfo): { replica: ReplicaInfo; sample: Sample } {
  const error = 'left the live replicas: its presence expired (it stopped, died, or stalled past three heartbeats)';
  return { replica, sample: { at: Date.now(), error, state: 'gone' } };
}

async function look(link: ServiceLink, globals: GlobalOptions, asked: Asked): Promise<Sample> {
  const { caller } = link;
  try {
    const [threads, health, info] = await Promise.all([fetchThreads(caller), fetchHealth(caller), fetchInfo(caller)]);
    return { at: Date.now(), threads, health, info };
  } catch (err) {
    return { at: Date.now(), error: await describeFailure(err, link, globals, asked) };
  }
}

function heading(at: number, service: string, globals: GlobalOptions, intervalMs: number, live: boolean): string {
  const stamp = new Date(at).toISOString();
  return live
    ? `daebus watch "${service}" on ${shownRedis(globals)}, every ${formatDuration(intervalMs)}; Ctrl-C to quit   ${stamp}`
    : `--- ${stamp} "${service}" ---`;
}

function render(sample: Sample, lastGood: Good | undefined): Line[] {
  if ('error' in sample) {
    const since = lastGood ? `; last answer ${formatDuration(sample.at - lastGood.at)} ago` : '';
    // Redis itself, or this command's connection to it, is to blame: not the service
    const label =
      sample.state === 'waiting'
        ? 'NO ANSWER YET'
        : sample.state === 'gone'
          ? 'GONE'
          : blamesRedis(sample.error)
            ? 'NO ANSWER FROM REDIS'
            : / has stopped or died: /.test(sample.error)
              ? 'NOT RUNNING'
              : 'NOT ANSWERING';
    const trying = sample.state === 'gone' ? '' : ' (still trying)';
    const lines: Line[] = [`${label}: ${sample.error.replace(/\.$/, '')}${since}${trying}`];
    // what it last said stays on screen, marked as old
    if (lastGood)
      lines.push(
        '',
        'last known threads:',
        new Painted(formatThreadTable(lastGood.threads.threads, { now: lastGood.threads.at, color: colourful() })),
      );
    return lines;
  }
  const { info, health, threads } = sample;
  return [
    `service ${info.service} (app "${info.app}"), pid ${info.pid} on ${info.host}, ${info.startedAt === null ? 'not started' : `up ${formatDuration(info.uptimeMs)}`}, daebus ${info.library.version}`,
    `health  ${describeHealth(health).join('; ')}`,
    '',
    threads.threads.length > 0 ? new Painted(formatThreadTable(threads.threads, { now: threads.at, color: colourful() })) : 'no threads',
  ];
}
