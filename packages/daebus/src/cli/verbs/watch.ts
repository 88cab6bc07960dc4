import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { formatThreadTable } from '../../main/ops/thread-table';
import { formatDuration } from '../../main/ops/units';
import { BuiltinActions } from '../../shared/protocol/builtin-actions';
import { ErrorCodes, toPlainError } from '../../shared/errors';
import { openCaller, shownUrl, type ServiceLink } from '../connection';
import { describeHealth } from '../describe';
import { untilInterrupted } from '../interrupt';
import { globalsOf, wholeNumber, type GlobalOptions } from '../options';
import { colourful } from '../output';
import { expectService, isNoAnswer, notNodeServiceError, subscribersOf } from '../service';
import { fetchHealth, fetchInfo, fetchThreads, type Health, type ServiceInfo, type ThreadsReply } from '../queries';

/** One look at the service: what it answered, or why it did not. */
type Sample = { at: number; threads: ThreadsReply; health: Health; info: ServiceInfo } | { at: number; error: string };

const HOME_AND_CLEAR = '\x1b[H\x1b[2J';

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
    .addHelpText('after', '\nExample:\n  $ daebus watch orders --interval 500')
    .action(async (service: string, options: { interval: number }, command: Command) => {
      const globals = globalsOf(command);
      const link = await openCaller(globals, service);
      try {
        // a service that is not there (a misspelt name) ends it, as for the other verbs
        await expectService(link, globals);
      } catch (err) {
        await link.caller.close();
        throw err;
      }
      const interrupt = untilInterrupted();
      const live = process.stdout.isTTY === true;
      let lastGood: Extract<Sample, { info: ServiceInfo }> | undefined;
      try {
        while (!interrupt.signal.aborted) {
          // a look at a service that hangs waits up to --timeout: Ctrl-C must not wait with it
          const sample = await Promise.race([look(link, globals), interrupt.stopped.then(() => undefined)]);
          if (sample === undefined || interrupt.signal.aborted) break;
          if ('info' in sample) lastGood = sample;
          const lines = render(sample, lastGood, service, globals, options.interval, live);
          process.stdout.write(live ? `${HOME_AND_CLEAR}${lines.join('\n')}\n` : `${lines.join('\n')}\n\n`);
          await sleep(options.interval, undefined, { signal: interrupt.signal }).catch(() => undefined);
        }
      } finally {
        interrupt.dispose();
        await link.caller.close();
      }
    });
}

async function look({ caller, transport }: ServiceLink, globals: GlobalOptions): Promise<Sample> {
  try {
    const [threads, health, info] = await Promise.all([fetchThreads(caller), fetchHealth(caller), fetchInfo(caller)]);
    return { at: Date.now(), threads, health, info };
  } catch (err) {
    // something listens and leaves daebus.* unanswered (a Python Daebus service): say that, not just a timeout
    if (isNoAnswer(err) && err.code === ErrorCodes.TIMEOUT && (await subscribersOf(transport, caller.service)) > 0) {
      return { at: Date.now(), error: notNodeServiceError(globals, caller.service, BuiltinActions.threads).message };
    }
    return { at: Date.now(), error: toPlainError(err).message };
  }
}

function render(
  sample: Sample,
  lastGood: Extract<Sample, { info: ServiceInfo }> | undefined,
  service: string,
  globals: GlobalOptions,
  intervalMs: number,
  live: boolean,
): string[] {
  const stamp = new Date(sample.at).toISOString();
  const head = live
    ? `daebus watch "${service}" on ${shownUrl(globals.redis)}, every ${formatDuration(intervalMs)}; Ctrl-C to quit   ${stamp}`
    : `--- ${stamp} "${service}" ---`;
  if ('error' in sample) {
    const since = lastGood ? `; last answer ${formatDuration(sample.at - lastGood.at)} ago` : '';
    const lines = [head, `NOT ANSWERING: ${sample.error}${since} (still trying)`];
    // what it last said stays on screen, marked as old
    if (lastGood)
      lines.push('', 'last known threads:', formatThreadTable(lastGood.threads.threads, { now: lastGood.threads.at, color: colourful() }));
    return lines;
  }
  const { info, health, threads } = sample;
  return [
    head,
    `service ${info.service} (app "${info.app}"), pid ${info.pid} on ${info.host}, up ${formatDuration(info.uptimeMs)}, daebus ${info.library.version}`,
    `health  ${describeHealth(health).join('; ')}`,
    '',
    threads.threads.length > 0 ? formatThreadTable(threads.threads, { now: threads.at, color: colourful() }) : 'no threads',
  ];
}
