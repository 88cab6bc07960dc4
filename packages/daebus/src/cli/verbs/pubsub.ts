import type { Command } from 'commander';
import { openTransport, shownUrl } from '../connection';
import { globalsOf } from '../options';
import { untilInterrupted } from '../interrupt';
import { parseJsonArgument, printLines } from '../output';

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
      try {
        await transport.subscribe(channel, (message) => printLines([options.pretty ? pretty(message) : message]));
        process.stderr.write(`listening on "${channel}" at ${shownUrl(globals.redis)}; Ctrl-C to stop\n`);
        await interrupt.stopped;
      } finally {
        interrupt.dispose();
        await transport.close();
      }
    });

  program
    .command('send')
    .description('Publish a message on a channel and print how many subscribers received it.')
    .argument('<channel>', 'the channel')
    .argument('<json>', 'the message: JSON text, sent as given')
    .option('--raw', 'send the text even when it is not JSON')
    .addHelpText('after', `\nExample:\n  $ daebus send orders.events '{"type": "restock", "item": "book"}'`)
    .action(async (channel: string, text: string, options: { raw?: boolean }, command: Command) => {
      if (!options.raw) parseJsonArgument(text, 'The message');
      const transport = await openTransport(globalsOf(command));
      try {
        const receivers = await transport.publish(channel, text);
        printLines([String(receivers)]);
      } finally {
        await transport.close();
      }
    });
}

/** Indented JSON when the message is JSON; the text as it came otherwise. */
function pretty(message: string): string {
  try {
    return JSON.stringify(JSON.parse(message), null, 2);
  } catch {
    return message;
  }
}
