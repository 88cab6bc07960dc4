import type { Command } from 'commander';
import { isPlainObject } from '../../shared/validate';
import { withAnyService } from '../service';
import { CliError, ExitCodes } from '../exit-codes';
import { globalsOf } from '../options';
import { jsonText, parseJsonArgument, printError, printJson } from '../output';
import { argumentText } from '../stdin';
import { inexactNumber } from '../inexact-number';
import { clipped } from '../../shared/clipped';

export function registerCall(program: Command): void {
  program
    .command('call')
    .description('Send an action to a service and print its final reply as JSON; progress updates go to stderr, one JSON line each.')
    .argument('<service>', 'the service name')
    .argument('<action>', 'the action to call')
    .argument('[json]', "the payload: a JSON object ('-': read it from stdin)", '{}')
    .addHelpText(
      'after',
      `
Numbers are read as JavaScript reads JSON (1.0 is sent as 1); a payload holding an integer past
2^53 - 1 or a number past 1.8e308 is refused: send such a number as a string.

Exit status: 0 on a reply, 1 when the service answered with an error, 2 for a payload that is
not a JSON object (or holds such a number), 3 when no reply came in time, 4 when Redis cannot be reached.

Example:
  $ daebus call orders create '{"item": "book", "qty": 2}' --timeout 10000
  $ daebus call orders import - < items.json`,
    )
    .action(async (service: string, action: string, given: string, _options: unknown, command: Command) => {
      // before: the library's own words (`sendRequest(""): action must be a non-empty string`)
      if (action === '')
        throw new CliError('The action name is empty; give the action to call, as in `daebus call orders create`.', ExitCodes.USAGE);
      const json = await argumentText(given, 'The payload');
      const payload = parseJsonArgument(json, 'The payload', 'refuse');
      if (!isPlainObject(payload))
        throw new CliError(`The payload must be a JSON object, like '{"id": 1}'; got ${clipped(json, 200)}`, ExitCodes.USAGE);
      refuseInexactNumber(json);
      const globals = globalsOf(command);
      const reply = await withAnyService(globals, service, (caller) =>
        caller.sendRequest(action, payload, { onProgress: (update) => printError(progressLine(update)) }),
      );
      printJson(reply);
    });
}

/**
 * The payload is sent as JSON.stringify writes what JSON.parse read: a number that would not
 * arrive as written (a 64-bit id rounded, 1e400 turned into null) is refused, not changed in silence.
 */
function refuseInexactNumber(json: string): void {
  const inexact = inexactNumber(json);
  if (inexact === undefined) return;
  throw new CliError(
    `The payload holds the number ${clipped(inexact.token, 60)}, which would be sent as ${clipped(inexact.sentAs, 60)}: ` +
      'the payload is read as JavaScript reads JSON (integers exact up to 2^53 - 1 = 9007199254740991, numbers up to about 1.8e308). ' +
      'Send it as a string ("..."), or publish the text exactly as written with `daebus send`.',
    ExitCodes.USAGE,
  );
}

/** A streamed update as one JSON line; one nested too deep for JSON is said, not dropped. */
function progressLine(update: unknown): string {
  try {
    return jsonText(update);
  } catch (err) {
    return `daebus: an update came that could not be written: ${(err as Error).message}`;
  }
}
