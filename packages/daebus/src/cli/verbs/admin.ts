import { Help, Option, type Command } from 'commander';
import { formatThreadTable } from '../../main/ops/thread-table';
import type { AdminThreadReply } from '../../main/ops/builtin-contract';
import type { TaskInfo } from '../../main/ops/ops-view';
import { BuiltinActions } from '../../shared/protocol/builtin-actions';
import { askService, printAnswers } from '../replica-targets';
import { globalsOf } from '../options';
import { colourful } from '../output';
import type { ThreadSnapshot } from '../queries';

const THREAD_ACTIONS = {
  start: BuiltinActions.threadStart,
  stop: BuiltinActions.threadStop,
  restart: BuiltinActions.threadRestart,
} as const;
const TASK_ACTIONS = { pause: BuiltinActions.taskPause, resume: BuiltinActions.taskResume } as const;

/**
 * A thread stop waits for the thread to return, up to its shutdownTimeoutMs (5 s by default, any
 * length if the service says so), and a restart then starts it: unless --timeout is given, an
 * admin verb waits this long rather than the usual reply timeout.
 */
const ADMIN_TIMEOUT_MS = 60_000;

const ADMIN_NOTE = 'Admin actions are off unless the service enables them (admin option).';

/** One admin verb: sends `{ name, token }` to the built-in action and prints what it answers. */
function adminVerb(
  group: Command,
  verb: string,
  description: string,
  example: string,
  print: (reply: unknown) => string[],
  action: string,
): void {
  group
    .command(verb)
    .description(description)
    .argument('<service>', 'the service name')
    .argument('<name>', `the ${group.name()}'s name`)
    // the program parses these, before or after the verb (program.ts); listed here for this verb's help
    .addOption(new Option('--token <token>', "the service's admin token, when it sets one").env('DAEBUS_ADMIN_TOKEN'))
    .option('--json', 'print the JSON the service answered')
    .addHelpText('after', `\n${ADMIN_NOTE}\n\nExample:\n  $ ${example}`)
    .configureHelp(withAdminTimeout(group.configureHelp()))
    // the program parses it too, before or after the verb (program.ts)
    .option('--replica <id>', 'of a replicated service, act on this replica only (default: on every live replica)')
    .action(async (service: string, name: string, _options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const payload = { name, ...(globals.token !== undefined ? { token: globals.token } : {}) };
      const timeoutMs = timeoutGiven(command) ? globals.timeout : Math.max(globals.timeout, ADMIN_TIMEOUT_MS);
      const asked = await askService(globals, service, globals.replica, (caller) => caller.sendRequest(action, payload, { timeoutMs }));
      // each replica has its own threads and tasks: each one's result, and a failure if any failed
      printAnswers(asked, globals.json, print);
    });
}

export function registerAdmin(program: Command): void {
  const thread = adminGroup(
    program,
    'thread',
    'Start, stop or restart a thread of a service (admin actions).',
    'daebus thread restart orders poller --token "$TOKEN"',
  );
  // ages count from the service's clock (an older service sends none: then from this machine's)
  const showThread = (reply: unknown): string[] => {
    const { at } = reply as Partial<AdminThreadReply>;
    return [formatThreadTable([reply as ThreadSnapshot], { now: typeof at === 'number' ? at : undefined, color: colourful() })];
  };
  for (const [verb, action] of Object.entries(THREAD_ACTIONS)) {
    adminVerb(
      thread,
      verb,
      `${capitalized(verb)} a thread of a service.`,
      `daebus thread ${verb} orders poller --token "$TOKEN"`,
      showThread,
      action,
    );
  }

  const task = adminGroup(
    program,
    'task',
    'Pause or resume a background task of a service (admin actions).',
    'daebus task pause orders cleanup',
  );
  const showTask = (reply: unknown): string[] => {
    const info = reply as TaskInfo;
    return [`task "${info.name}": ${info.paused ? 'paused' : 'running'} (every ${info.intervalSeconds} s, ${info.runs} runs so far)`];
  };
  for (const [verb, action] of Object.entries(TASK_ACTIONS)) {
    adminVerb(task, verb, `${capitalized(verb)} a background task of a service.`, `daebus task ${verb} orders cleanup`, showTask, action);
  }
}

/** `daebus thread` or `daebus task`: its verbs, with an example as every verb has. */
function adminGroup(program: Command, name: string, description: string, example: string): Command {
  return program.command(name).description(description).addHelpText('after', `\n${ADMIN_NOTE}\n\nExample:\n  $ ${example}`);
}

function capitalized(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Whether `--timeout` was given on the command line (it is an option of the root command). */
function timeoutGiven(command: Command): boolean {
  let root = command;
  while (root.parent) root = root.parent;
  return root.getOptionValueSource('timeout') === 'cli';
}

/** The program's --timeout as an admin verb takes it: its help shows the wait an admin verb uses unless it is given. */
const ADMIN_TIMEOUT_OPTION = new Option('--timeout <ms>', 'how long to wait for the reply (a thread stop waits for the thread)').default(
  ADMIN_TIMEOUT_MS,
);

/** The inherited help settings, with --timeout among the global options shown as {@link ADMIN_TIMEOUT_OPTION}. */
function withAdminTimeout(inherited: Partial<Help>): Partial<Help> {
  return {
    ...inherited,
    visibleGlobalOptions(cmd) {
      const all = (inherited.visibleGlobalOptions ?? Help.prototype.visibleGlobalOptions).call(this as Help, cmd);
      return all.map((option) => (option.attributeName() === 'timeout' ? ADMIN_TIMEOUT_OPTION : option));
    },
  };
}
