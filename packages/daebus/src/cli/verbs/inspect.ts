import type { Command } from 'commander';
import { formatThreadTable } from '../../main/ops/thread-table';
import { redisNow } from '../live-replicas';
import { withService } from '../service';
import { describeHealth, describeInfo, describeReplicas } from '../describe';
import { healthExitCode } from '../health-status';
import { globalsOf } from '../options';
import { colourful, Painted, printJson, printLines, type Line } from '../output';
import { fetchHealth, fetchInfo, fetchThreads, type ThreadsReply } from '../queries';
import { askService, printAnswers, replicaOption } from '../replica-targets';

/** A read-only verb on one service: `daebus <name> <service> [--json]`. */
function inspectVerb(program: Command, name: string, description: string, example: string): Command {
  return (
    program
      .command(name)
      .description(description)
      .argument('<service>', 'the service name')
      // the program parses it, before or after the verb (program.ts); listed here for this verb's help
      .option('--json', 'print the JSON the service answered, for scripts')
      .addHelpText('after', `\nExample:\n  $ ${example}`)
  );
}

export function registerInspect(program: Command): void {
  const info = inspectVerb(
    program,
    'info',
    'Show what a service is: version, process, uptime, actions, threads, tasks, pool; of a replicated service, of each live replica.',
    'daebus info orders',
  );
  replicaOption(info).action(async (service: string, _options: unknown, command: Command) => {
    const globals = globalsOf(command);
    const asked = await askService(globals, service, globals.replica, fetchInfo);
    printAnswers(asked, globals.json, describeInfo);
  });

  const health = inspectVerb(
    program,
    'health',
    'Show whether a service is ready (ok, degraded or failing); of a replicated service, of each live replica. ' +
      'Exits 0 when ready (every replica) and 1 when not, for scripts and probes.',
    'daebus health orders || echo "orders is not ready"',
  );
  replicaOption(health).action(async (service: string, _options: unknown, command: Command) => {
    const globals = globalsOf(command);
    const asked = await askService(globals, service, globals.replica, fetchHealth);
    printAnswers(asked, globals.json, describeHealth);
    process.exitCode = healthExitCode(asked);
  });

  inspectVerb(
    program,
    'replicas',
    'List the live replicas of a replicated service: host, pid, uptime, requests in flight.',
    'daebus replicas orders --json',
  ).action(async (service: string, _options: unknown, command: Command) => {
    const globals = globalsOf(command);
    // as their presence in Redis lists them: what daebus.replicas answers, without waiting in a busy service's stream;
    // their ages counted on Redis's clock, which their times are said in
    const [replicas, now] = await withService(globals, service, async (_caller, live, link) => [live, await redisNow(link)] as const);
    if (globals.json) printJson(replicas);
    else printLines(describeReplicas(replicas, now));
  });

  const threads = inspectVerb(
    program,
    'threads',
    'Show the threads of a service (of each live replica of a replicated one): state, restarts, uptime, last exit, next restart, stall, event-loop use, heap.',
    'daebus threads orders',
  );
  replicaOption(threads).action(async (service: string, _options: unknown, command: Command) => {
    const globals = globalsOf(command);
    const asked = await askService(globals, service, globals.replica, fetchThreads);
    // a header over nothing read as if the rows were lost; watch says "no threads" too
    const table = (reply: ThreadsReply): Line[] =>
      reply.threads.length === 0 ? ['no threads'] : [new Painted(formatThreadTable(reply.threads, { now: reply.at, color: colourful() }))];
    // the reply as it came: `at` is the time the snapshots' ages count from
    printAnswers(asked, globals.json, table);
  });
}
