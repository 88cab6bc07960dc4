import type { Command } from 'commander';
import { openTransport, shownUrl } from '../connection';
import { isPlainObject } from '../../shared/validate';
import { clipped } from '../../shared/clipped';
import { argumentText } from '../stdin';
import { CliError, ExitCodes } from '../exit-codes';
import { globalsOf } from '../options';
import { untilInterrupted } from '../interrupt';
import { parseJsonArgument, printLines } from '../output';
import { messageLine } from '../message-line';

export function registerPubSub(program: Command): void {
  program
    .command('listen')
    .description('Subscribe to a channel and print each message on it, one line each, until Ctrl-C.')
    .argument('<channel>', 'the channel (a service broadcasts on channels it names; a service listens on its own name)')
    .option('--pretty', 'print JSON messages indented (over several lines)')
    .addHelpText('after', '\nExample:\n  $ daebus listen orders.events --pretty')
    .action(async (channel: string, options: { pretty?: boolean }, command: Command) => {
      const globals = globalsOf(command);
      const transport = await openTransport(globals);
      const interrupt = untilInterrupted();
      let lost: CliError | undefined;
      // the messages sent while it is down would be missed without a word: say so and end (status 4)
      transport.onDisconnect(() => {
        lost ??= new CliError(
          `lost the connection to Redis at ${shownUrl(globals.redis)}; messages sent on "${channel}" from now on would be missed. ` +
            'Run listen again once Redis is back.',
          ExitCodes.UNREACHABLE,
        );
        interrupt.stop();
      });
      try {
        await transport.subscribe(channel, (message, _channel, notUtf8) => {
          // printed all the same, so that it can be looked at; stderr says it is not what was sent
          if (notUtf8 === true) process.stderr.write(`daebus: the next message is not valid UTF-8 (U+FFFD shows each bad byte sequence)\n`);
          printLines([messageLine(message, options.pretty)]);
        });
        process.stderr.write(`listening on "${channel}" at ${shownUrl(globals.redis)}; Ctrl-C to stop\n`);
        await interrupt.stopped;
      } finally {
        interrupt.dispose();
        await transport.close();
      }
      if (lost) throw lost;
    });

  program
    .command('send')
    .description('Publish a message on a channel and print how many subscribers received it.')
    .argument('<channel>', 'the channel')
    .argument('<json>', "the message: a JSON object, sent as given ('-': read it from stdin)")
    .option('--raw', 'send the text even when it is not a JSON object')
    .addHelpText('after', `\nExample:\n  $ daebus send orders.events '{"type": "restock", "item": "book"}'`)
    .action(async (channel: string, given: string, options: { raw?: boolean }, command: Command) => {
      const text = await argumentText(given);
      if (!options.raw && !isPlainObject(parseJsonArgument(text, 'The message'))) {
        // what Python Daebus's listeners take (a broadcast is an object), and the only thing its broadcast sends
        throw new CliError(
          `The message must be a JSON object, like '{"value": 1}': wrap the value in one (--raw sends any text); got ${clipped(text, 200)}`,
          ExitCodes.USAGE,
        );
      }
      const transport = await openTransport(globalsOf(command));
      try {
        const receivers = await transport.publish(channel, text);
        printLines([String(receivers)]);
      } finally {
        await transport.close();
      }
    });
}
