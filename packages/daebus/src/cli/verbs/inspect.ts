import type { Command } from 'commander';
import { formatThreadTable } from '../../main/ops/thread-table';
import { withService } from '../service';
import { describeHealth, describeInfo, describeReplicas } from '../describe';
import { ExitCodes } from '../exit-codes';
import { globalsOf } from '../options';
import { colourful, printJson, printLines } from '../output';
import { fetchHealth, fetchInfo, fetchReplicas, fetchThreads } from '../queries';

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
  inspectVerb(
    program,
    'info',
    'Show what a service is: version, process, uptime, actions, threads, tasks, pool.',
    'daebus info orders',
  ).action(async (service: string, _options: unknown, command: Command) => {
    const globals = globalsOf(command);
    const info = await withService(globals, service, fetchInfo);
    if (globals.json) printJson(info);
    else printLines(describeInfo(info));
  });

  inspectVerb(
    program,
    'health',
    'Show whether a service is ready (ok, degraded or failing). Exits 0 when ready and 1 when not, for scripts and probes.',
    'daebus health orders || echo "orders is not ready"',
  ).action(async (service: string, _options: unknown, command: Command) => {
    const globals = globalsOf(command);
    const health = await withService(globals, service, fetchHealth);
    if (globals.json) printJson(health);
    else printLines(describeHealth(health));
    process.exitCode = health.ready ? ExitCodes.OK : ExitCodes.FAILED;
  });

  inspectVerb(
    program,
    'replicas',
    'List the live replicas of a replicated service: host, pid, uptime, requests in flight.',
    'daebus replicas orders --json',
  ).action(async (service: string, _options: unknown, command: Command) => {
    const globals = globalsOf(command);
    const replicas = await withService(globals, service, fetchReplicas);
    if (globals.json) printJson(replicas);
    else printLines(describeReplicas(replicas));
  });

  inspectVerb(
    program,
    'threads',
    'Show the threads of a service: state, restarts, uptime, last exit, next restart, stall, event-loop use, heap.',
    'daebus threads orders',
  ).action(async (service: string, _options: unknown, command: Command) => {
    const globals = globalsOf(command);
    const reply = await withService(globals, service, fetchThreads);
    // the reply as it came: `at` is the time the snapshots' ages count from
    if (globals.json) printJson(reply);
    else printLines([formatThreadTable(reply.threads, { now: reply.at, color: colourful() })]);
  });
}
