import { Command, CommanderError, Help, Option } from 'commander';
import { clipped } from '../shared/clipped';
import { libraryVersion } from '../main/ops/library-version';
import { describeError, describeUsageError, exitCodeOf, ExitCodes, type ExitCode } from './exit-codes';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REDIS_URL,
  DEFAULT_TIMEOUT_MS,
  refuseOptionsNotTaken,
  VERB_OPTIONS,
  wholeNumber,
} from './options';
import { registerAdmin } from './verbs/admin';
import { registerCall } from './verbs/call';
import { registerInspect } from './verbs/inspect';
import { registerPing } from './verbs/ping';
import { registerPubSub } from './verbs/pubsub';
import { registerWatch } from './verbs/watch';
import { commandPath, unknownHelpTopic } from './help-topic';
import { printError } from './output';
import { collectSentinel, refuseLoneSentinelPassword } from './sentinel-options';

/** The `daebus` command and its verbs. */
export function buildProgram(): Command {
  const program = new Command('daebus')
    .description('Talk to running Daebus services over Redis: call actions, look at threads and health, watch, publish and listen.')
    .version(libraryVersion(), '-V, --version')
    .addOption(
      new Option('--redis <url>', 'the Redis server the services use')
        .env('REDIS_URL')
        // blank is unset, as a service reads REDIS_URL (it was read as redis:// and shown as "redis:/")
        .argParser((url: string) => (url.trim() === '' ? DEFAULT_REDIS_URL : url))
        .default(DEFAULT_REDIS_URL),
    )
    .addOption(
      new Option('--timeout <ms>', 'how long to wait for each reply (the verbs that ask: not listen or send)')
        .argParser(wholeNumber(1))
        .default(DEFAULT_TIMEOUT_MS),
    )
    .addOption(
      new Option('--connect-timeout <ms>', 'how long to wait for Redis to accept the connection and answer')
        .argParser(wholeNumber(1))
        .default(DEFAULT_CONNECT_TIMEOUT_MS),
    )
    .addOption(
      new Option(
        '--sentinel <host:port>',
        'find the primary through this Redis Sentinel (port 26379 if left out; repeatable, or comma-separated; with --sentinel-name)',
      ).argParser(collectSentinel),
    )
    .addOption(new Option('--sentinel-name <name>', 'the name the sentinels monitor the primary under'))
    .addOption(
      new Option('--sentinel-password <password>', "the sentinels' own password, if they ask for one").env('DAEBUS_SENTINEL_PASSWORD'),
    )
    .addOption(new Option('--tls-ca <file>', 'a private certificate authority (PEM) to trust for TLS to Redis; turns TLS on'))
    .addOption(new Option('--tls-cert <file>', 'a client certificate (PEM) for Redis that asks for one (with --tls-key); turns TLS on'))
    .addOption(new Option('--tls-key <file>', 'the private key (PEM) of --tls-cert'))
    // also options of the verbs that take them: here so that they can come before the verb
    .addOption(new Option('--token <token>', 'the admin token (admin verbs only)').env('DAEBUS_ADMIN_TOKEN'))
    .option('--json', 'machine output (info, health, replicas, threads, admin verbs)')
    .option('--replica <id>', 'of a replicated service, the one replica to ask (info, health, threads, watch, admin verbs)')
    .hook('preAction', (root, verb) => {
      refuseOptionsNotTaken(root, verb);
      refuseLoneSentinelPassword(root);
    })
    // errors come back to run() as exceptions, so it can pick the exit status
    .exitOverride()
    // usage errors as one `daebus: ...` line, like every other error (the verbs inherit this)
    .configureOutput({ outputError: (text, write) => write(`${describeUsageError(text)}\n`) })
    // each verb's --help lists --redis and --timeout too; --json and --token only where the verb lists them itself
    .configureHelp({
      showGlobalOptions: true,
      visibleGlobalOptions(cmd) {
        const all = Help.prototype.visibleGlobalOptions.call(this as Help, cmd);
        return all.filter((option) => !(VERB_OPTIONS as readonly string[]).includes(option.attributeName()));
      },
    })
    .addHelpText(
      'after',
      `
Exit status: 0 ok, 1 the service answered with an error (or, for health, is not ready),
2 bad usage, 3 no answer in time (or no such service), 4 Redis unreachable.

Example:
  $ daebus --redis redis://127.0.0.1:6379 threads orders`,
    );
  registerCall(program);
  registerInspect(program);
  registerWatch(program);
  registerPing(program);
  registerPubSub(program);
  registerAdmin(program);
  return program;
}

/** Run the command line `argv` (as process.argv) and resolve with the exit status. */
export async function run(argv: readonly string[]): Promise<ExitCode> {
  const program = buildProgram();
  const unknown = unknownHelpTopic(program, argv.slice(2));
  if (unknown?.topic === 'help') {
    // `daebus help help`: the help of the command it was asked of, as `daebus --help` gives it
    unknown.of.outputHelp();
    return ExitCodes.OK;
  }
  if (unknown !== undefined) {
    printError(`daebus: no command "${clipped(unknown.topic)}" to show help for (${commandPath(unknown.of)} --help lists the commands).`);
    return ExitCodes.USAGE;
  }
  try {
    await program.parseAsync([...argv]);
    return (process.exitCode as ExitCode | undefined) ?? ExitCodes.OK;
  } catch (err) {
    // commander has printed its own message (or the help, or the version) already
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCodes.OK : ExitCodes.USAGE;
    printError(describeError(err));
    return exitCodeOf(err);
  }
}
