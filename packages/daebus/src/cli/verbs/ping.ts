import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { BuiltinActions } from '../../shared/protocol/builtin-actions';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { openCaller, type ServiceLink } from '../connection';
import { isNoAnswer, noServiceError, subscribersOf, unansweredPingError } from '../service';
import { silentRedisError } from '../silent-redis';
import { ExitCodes } from '../exit-codes';
import { globalsOf, wholeNumber } from '../options';
import { untilInterrupted, unlessStopped } from '../interrupt';
import { printLines } from '../output';

interface PingOptions {
  count: number;
  interval: number;
}

export function registerPing(program: Command): void {
  program
    .command('ping')
    .description('Time round trips of daebus.ping to a service; prints each, then min/avg/max. Exits 3 if any went unanswered.')
    .argument('<service>', 'the service name')
    .option('-c, --count <n>', 'how many pings', wholeNumber(1, 'count'), 3)
    .option('--interval <ms>', 'pause between pings', wholeNumber(0), 200)
    .addHelpText('after', '\nExample:\n  $ daebus ping orders --count 5')
    .action(async (service: string, options: PingOptions, command: Command) => {
      const globals = globalsOf(command);
      const times: number[] = [];
      // Ctrl-C, or stdout's reader gone (`| head -1`), ends the pings: the summary counts those sent.
      // Installed before connecting: a Ctrl-C while Redis does not answer ends it with status 0 too (it was 130)
      const interrupt = untilInterrupted();
      let sent = 0;
      let link: ServiceLink | undefined;
      try {
        link = await unlessStopped(interrupt.stopped, openCaller(globals, service), (opened) => opened.caller.close());
        if (link === undefined) return; // nothing sent: nothing to sum up
        const { caller, transport } = link;
        for (let i = 1; i <= options.count && !interrupt.signal.aborted; i++) {
          if (i > 1 && options.interval > 0) await sleep(options.interval, undefined, { signal: interrupt.signal }).catch(() => undefined);
          if (interrupt.signal.aborted) break;
          sent = i;
          const started = performance.now();
          let answer = 'reply';
          let from = `"${service}"`;
          // a ping a hung service leaves unanswered is not waited for past a Ctrl-C (it waited up to --timeout)
          const pinged = caller.sendRequest(BuiltinActions.ping, {}).then(
            (reply) => {
              const replica = (reply as { replica?: unknown } | null)?.replica;
              if (typeof replica === 'string') from += ` (replica ${replica})`;
            },
            (err: unknown) => ({ err }),
          );
          const outcome = await unlessStopped(
            interrupt.stopped,
            pinged.then((failed) => failed ?? 'answered'),
            () => Promise.resolve(),
          );
          if (outcome === undefined) {
            sent = i - 1; // cut short: neither answered nor lost
            break;
          }
          if (outcome !== 'answered') {
            const { err } = outcome;
            if (!isNoAnswer(err)) {
              // an error reply is a round trip all the same
              if (!(err instanceof DaebusError && err.code === ErrorCodes.REMOTE_ERROR)) throw err;
              answer = 'error reply';
            } else if (i === 1) {
              // Redis itself silent (paused, overloaded): not the service's doing (exit 4); its lookups would wait for it too
              const silent = err.code === ErrorCodes.TIMEOUT ? await silentRedisError(transport, globals, BuiltinActions.ping) : undefined;
              if (silent !== undefined) throw silent;
              // nobody there, or a service without daebus.ping: say so plainly instead of counting lost pings
              const listening = err.code === ErrorCodes.TIMEOUT && (await subscribersOf(transport, service)) > 0;
              throw listening ? await unansweredPingError({ caller, transport }, globals) : noServiceError(globals, service, err.code);
            } else {
              const why =
                err.code === ErrorCodes.NO_SUBSCRIBER ? `nobody listens on "${service}" now` : `no answer within ${globals.timeout} ms`;
              printLines([`ping ${i}: ${why}`]);
              continue;
            }
          }
          const ms = performance.now() - started;
          times.push(ms);
          printLines([`ping ${i}: ${answer} from ${from} in ${ms.toFixed(2)} ms`]);
        }
      } catch (err) {
        // Redis lost after some answers: what was measured is said before the error, as ping does; a
        // ping the transport refused was not sent (one lost in flight was, as was one answered unreadably)
        const unsent = err instanceof DaebusError && err.code === ErrorCodes.TRANSPORT_ERROR && err.details?.['sent'] !== true;
        if (times.length > 0) printLines([summary(times, unsent ? sent - 1 : sent)]);
        throw err;
      } finally {
        interrupt.dispose();
        await link?.caller.close();
      }
      printLines([summary(times, sent)]);
      if (times.length < sent) process.exitCode = ExitCodes.NO_ANSWER;
    });
}

function summary(times: readonly number[], sent: number): string {
  const lost = `${sent} sent, ${times.length} answered`;
  if (times.length === 0) return lost;
  const avg = times.reduce((sum, ms) => sum + ms, 0) / times.length;
  // all in ms, as each ping's line (a value past 1 s was written "1.6s" before the unit " ms")
  return `${lost}; min/avg/max = ${Math.min(...times).toFixed(2)}/${avg.toFixed(2)}/${Math.max(...times).toFixed(2)} ms`;
}
