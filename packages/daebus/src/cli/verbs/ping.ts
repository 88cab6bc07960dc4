import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { formatDuration } from '../../main/ops/units';
import { BuiltinActions } from '../../shared/protocol/builtin-actions';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { openCaller } from '../connection';
import { isNoAnswer, noServiceError, subscribersOf, unansweredPingError } from '../service';
import { ExitCodes } from '../exit-codes';
import { globalsOf, wholeNumber } from '../options';
import { untilInterrupted } from '../interrupt';
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
      const { caller, transport } = await openCaller(globals, service);
      const times: number[] = [];
      // Ctrl-C, or stdout's reader gone (`| head -1`), ends the pings: the summary counts those sent
      const interrupt = untilInterrupted();
      let sent = 0;
      try {
        for (let i = 1; i <= options.count && !interrupt.signal.aborted; i++) {
          if (i > 1 && options.interval > 0) await sleep(options.interval, undefined, { signal: interrupt.signal }).catch(() => undefined);
          if (interrupt.signal.aborted) break;
          sent = i;
          const started = performance.now();
          let answer = 'reply';
          try {
            await caller.sendRequest(BuiltinActions.ping, {});
          } catch (err) {
            if (!isNoAnswer(err)) {
              // an error reply is a round trip all the same
              if (!(err instanceof DaebusError && err.code === ErrorCodes.REMOTE_ERROR)) throw err;
              answer = 'error reply';
            } else if (i === 1) {
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
          printLines([`ping ${i}: ${answer} from "${service}" in ${ms.toFixed(2)} ms`]);
        }
      } finally {
        interrupt.dispose();
        await caller.close();
      }
      printLines([summary(times, sent)]);
      if (times.length < sent) process.exitCode = ExitCodes.NO_ANSWER;
    });
}

function summary(times: readonly number[], sent: number): string {
  const lost = `${sent} sent, ${times.length} answered`;
  if (times.length === 0) return lost;
  const avg = times.reduce((sum, ms) => sum + ms, 0) / times.length;
  const ms = (value: number): string => (value < 1_000 ? value.toFixed(2) : formatDuration(value));
  return `${lost}; min/avg/max = ${ms(Math.min(...times))}/${ms(avg)}/${ms(Math.max(...times))} ms`;
}
