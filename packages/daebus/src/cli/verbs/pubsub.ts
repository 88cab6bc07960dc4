import type { Command } from 'commander';
import { openTransport, shownRedis } from '../connection';
import type { RedisTransport } from '../../main/transport/redis';
import { isPlainObject } from '../../shared/validate';
import { clipped } from '../../shared/clipped';
import { argumentText } from '../stdin';
import { CliError, ExitCodes } from '../exit-codes';
import { globalsOf, type GlobalOptions } from '../options';
import { untilInterrupted, unlessStopped, type Interrupt } from '../interrupt';
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
      // before connecting: a Ctrl-C while Redis has not answered yet ends it with status 0 too (it was 130)
      const interrupt = untilInterrupted();
      try {
        const transport = await unlessStopped(interrupt.stopped, openTransport(globals), (opened) => opened.close());
        if (transport !== undefined) await listenUntilStopped(transport, channel, globals, options.pretty === true, interrupt);
      } finally {
        interrupt.dispose();
      }
    });

  program
    .command('send')
    .description('Publish a message on a channel and print how many subscribers received it.')
    .argument('<channel>', 'the channel')
    .argument('<json>', "the message: a JSON object, sent as given ('-': read it from stdin)")
    .option('--raw', 'send the text even when it is not a JSON object')
    .addHelpText('after', `\nExample:\n  $ daebus send orders.events '{"type": "restock", "item": "book"}'`)
    .action(async (channel: string, given: string, options: { raw?: boolean }, command: Command) => {
      const text = await argumentText(given, 'The message');
      if (!options.raw && !isPlainObject(parseJsonArgument(text, 'The message', 'read'))) {
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

/** Print what comes on `channel` until `interrupt` stops (Ctrl-C) or the connection is lost (status 4); closes `transport`. */
async function listenUntilStopped(
  transport: RedisTransport,
  channel: string,
  globals: GlobalOptions,
  pretty: boolean,
  interrupt: Interrupt,
): Promise<void> {
  let lost: CliError | undefined;
  // the messages sent while it is down would be missed without a word: say so and end (status 4)
  transport.onDisconnect(() => {
    lost ??= new CliError(
      `lost the connection to Redis at ${shownRedis(globals)}; messages sent on "${channel}" from now on would be missed. ` +
        'Run listen again once Redis is back.',
      ExitCodes.UNREACHABLE,
    );
    interrupt.stop();
  });
  const output = new BoundedOutput();
  try {
    const subscribed = transport.subscribe(channel, (message, _channel, notUtf8) => {
      if (!output.takes()) return;
      // printed all the same, so that it can be looked at; stderr says it is not what was sent
      if (notUtf8 === true) process.stderr.write(`daebus: the next message is not valid UTF-8 (U+FFFD shows each bad byte sequence)\n`);
      printLines([messageLine(message, pretty)]);
    });
    // a Ctrl-C (or the connection lost) while the subscription waits for Redis ends it too
    if (
      (await unlessStopped(
        interrupt.stopped,
        subscribed.then(() => true),
        () => Promise.resolve(),
      )) === true
    ) {
      process.stderr.write(`listening on "${channel}" at ${shownRedis(globals)}; Ctrl-C to stop\n`);
      await interrupt.stopped;
    }
  } finally {
    output.dispose();
    await transport.close();
  }
  if (lost) throw lost;
}

/** Bytes `listen` lets wait for stdout: past them, messages are dropped and counted (a reader slower than the channel held them all in memory). */
const MAX_UNWRITTEN = 8 * 1024 * 1024;

/** Whether a message may be written now; the messages dropped are said on stderr once stdout has drained. */
class BoundedOutput {
  #dropped = 0;
  readonly #drained = (): void => {
    if (this.#dropped === 0) return;
    process.stderr.write(`daebus: ${this.#dropped} message(s) dropped: stdout was not read as fast as they came\n`);
    this.#dropped = 0;
  };

  constructor() {
    process.stdout.on('drain', this.#drained);
  }

  takes(): boolean {
    if (process.stdout.writableLength < MAX_UNWRITTEN) return true;
    this.#dropped += 1;
    return false;
  }

  dispose(): void {
    process.stdout.off('drain', this.#drained);
    this.#drained();
  }
}
