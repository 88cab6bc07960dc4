// A replicated service answers on its service channel from any one replica: the verbs that show
// or change one process's state ask each live replica on its own channel instead.
import type { Command } from 'commander';
import { DaebusCaller } from '../main/rpc/caller';
import { serviceKeys } from '../main/replicas/keys';
import { DaebusError, ErrorCodes, toPlainError } from '../shared/errors';
import { openTransport, type ServiceLink } from './connection';
import { CliError, exitCodeOf, ExitCodes, type ExitCode } from './exit-codes';
import type { GlobalOptions } from './options';
import type { ReplicaInfo } from './queries';
import { printJson, printLines, type Line } from './output';
import { withService } from './service';
import { silentRedisError } from './silent-redis';

/** What one replica answered, or why it did not. */
export type ReplicaAnswer<T> = { replica: ReplicaInfo; value: T } | { replica: ReplicaInfo; error: unknown };

/** The answer of a service that does not run replicas (as before), or one per live replica asked. */
export type Answers<T> = { replicated: false; value: T } | { replicated: true; answers: ReplicaAnswer<T>[] };

/** `--replica <id>`, for the verbs that ask each replica (the program parses it, before or after the verb: program.ts). */
export function replicaOption(command: Command): Command {
  return command.option('--replica <id>', 'of a replicated service, ask only this replica (an id from `daebus replicas`)');
}

/**
 * Ask `service` with `ask`: once, on its channel, when it runs no replicas; else each live
 * replica (or the one `only` names) on its own channel, at the same time, found by its presence
 * in Redis: nothing goes through the service's request stream, where a busy service's queued
 * requests would come first.
 */
export function askService<T>(
  globals: GlobalOptions,
  service: string,
  only: string | undefined,
  ask: (caller: DaebusCaller) => Promise<T>,
): Promise<Answers<T>> {
  return withService(globals, service, async (caller, replicas, link): Promise<Answers<T>> => {
    const chosen = pickReplicas(service, replicas, only);
    if (chosen.length === 0) return { replicated: false, value: await ask(caller) };
    const answers = await Promise.all(chosen.map((replica) => askReplica(globals, service, replica, ask)));
    // every replica silent: Redis itself may be (paused, overloaded), and then no replica is to blame
    if (answers.every((answer) => 'error' in answer && answer.error instanceof DaebusError && answer.error.code === ErrorCodes.TIMEOUT)) {
      const silent = await silentRedisError(link.transport, globals);
      if (silent !== undefined) throw silent;
    }
    return { replicated: true, answers };
  });
}

/** The live replicas to ask: all (oldest first), or the one `only` names; none of a service that runs no replicas. */
export function pickReplicas(service: string, replicas: readonly ReplicaInfo[], only: string | undefined): ReplicaInfo[] {
  if (replicas.length === 0 && only !== undefined) {
    throw new CliError(`service "${service}" does not run replicas: leave out --replica.`, ExitCodes.USAGE);
  }
  if (only === undefined) return [...replicas].sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
  const found = replicas.filter((replica) => replica.id === only);
  if (found.length === 0) {
    throw new CliError(
      `no live replica "${only}" of service "${service}"; \`daebus replicas ${service}\` lists them.`,
      ExitCodes.NO_ANSWER,
    );
  }
  return found;
}

async function askReplica<T>(
  globals: GlobalOptions,
  service: string,
  replica: ReplicaInfo,
  ask: (caller: DaebusCaller) => Promise<T>,
): Promise<ReplicaAnswer<T>> {
  let link: ServiceLink | undefined;
  try {
    link = await openReplicaCaller(globals, service, replica.id);
    return { replica, value: await ask(link.caller) };
  } catch (err) {
    return { replica, error: replicaFailure(err, replica) };
  } finally {
    await link?.caller.close();
  }
}

/** A caller of one replica's own channel (pub/sub: the durable stream would reach any replica). */
export async function openReplicaCaller(globals: GlobalOptions, service: string, id: string): Promise<ServiceLink> {
  const transport = await openTransport(globals, true);
  const channel = serviceKeys(service).replicaActions(id);
  return { caller: new DaebusCaller(channel, { transport, timeoutMs: globals.timeout, durable: false }), transport };
}

/**
 * Why nobody listens on a listed replica's own channel. One that answered on it before, or whose
 * presence lists its actions (a daebus that has the channel: it came first), is gone: it stays
 * listed until its presence expires. Else it may also run a daebus from before the channel.
 */
export function unheardReplica(replica: Pick<ReplicaInfo, 'id' | 'actions'>, answeredBefore = false): string {
  const gone = `replica ${replica.id} is gone: nothing listens on its channel (it stopped or died; it leaves the list soon)`;
  if (answeredBefore || replica.actions !== undefined) return `${gone}.`;
  return `${gone}, or it runs a daebus from before replicas had channels of their own.`;
}

/**
 * Nobody on a live replica's channel: see {@link unheardReplica}. A timeout names the replica, not
 * its channel (`daebus:{orders}:replica-actions:...`).
 */
function replicaFailure(err: unknown, replica: ReplicaInfo): unknown {
  if (err instanceof DaebusError && err.code === ErrorCodes.TIMEOUT) {
    return new DaebusError(ErrorCodes.TIMEOUT, err.message.replace(/^Service "[^"]*"/, `Replica ${replica.id}`), { cause: err });
  }
  if (!(err instanceof DaebusError) || err.code !== ErrorCodes.NO_SUBSCRIBER) return err;
  return new DaebusError(ErrorCodes.NO_SUBSCRIBER, unheardReplica(replica));
}

/** The line above a replica's answer: `replica <id> (pid <pid> on <host>)`. */
export function replicaHeading(replica: ReplicaInfo): string {
  return `replica ${replica.id} (pid ${replica.pid} on ${replica.host})`;
}

/** A replica's failure to answer, for its block: `error TIMEOUT: ...`. */
export function describeReplicaError(err: unknown): string {
  if (err instanceof DaebusError) {
    const remote = err.code === ErrorCodes.REMOTE_ERROR ? err.details?.remoteCode : undefined;
    return `error ${typeof remote === 'string' ? remote : err.code}: ${err.message}`;
  }
  return `error: ${toPlainError(err).message}`;
}

/** Each replica's block: its heading, then what `describe` makes of its answer (or its error); a blank line between. */
export function replicaBlocks<T>(answers: readonly ReplicaAnswer<T>[], describe: (value: T) => Line[]): Line[] {
  return answers.flatMap((answer, i) => [
    ...(i > 0 ? [''] : []),
    replicaHeading(answer.replica),
    ...('error' in answer ? [describeReplicaError(answer.error)] : describe(answer.value)),
  ]);
}

/** `--json` of per-replica answers: `[{ "replica": { id, host, pid }, "reply": ... } or { ..., "error": { code, message } }]`. */
export function replicaJson<T>(answers: readonly ReplicaAnswer<T>[]): unknown[] {
  return answers.map((answer) => {
    const replica = { id: answer.replica.id, host: answer.replica.host, pid: answer.replica.pid };
    if (!('error' in answer)) return { replica, reply: answer.value };
    const plain = toPlainError(answer.error);
    const remote = answer.error instanceof DaebusError ? answer.error.details?.remoteCode : undefined;
    return { replica, error: { code: typeof remote === 'string' ? remote : (plain.code ?? 'ERROR'), message: plain.message } };
  });
}

/** The status of per-replica answers: the first failure's (3 no answer, 1 an error reply), else 0. */
export function replicaExitCode(answers: readonly ReplicaAnswer<unknown>[]): ExitCode {
  const failed = answers.find((answer) => 'error' in answer);
  return failed && 'error' in failed ? exitCodeOf(failed.error) : ExitCodes.OK;
}

/**
 * Print what `askService` got: one answer as before, or each replica's block (JSON: the list),
 * with the status of the first replica that failed. `describe` makes the lines of one answer.
 */
export function printAnswers<T>(asked: Answers<T>, json: boolean | undefined, describe: (value: T) => Line[]): void {
  if (!asked.replicated) {
    if (json) printJson(asked.value);
    else printLines(describe(asked.value));
    return;
  }
  if (json) printJson(replicaJson(asked.answers));
  else printLines(replicaBlocks(asked.answers, describe));
  process.exitCode = replicaExitCode(asked.answers);
}
