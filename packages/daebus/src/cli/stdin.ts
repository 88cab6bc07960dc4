import { isUtf8 } from 'node:buffer';
import { CliError, ExitCodes } from './exit-codes';

/**
 * The text of a JSON argument: `-` stands for stdin, read to its end (a payload too large for the
 * command line, whose arguments Linux caps at 128 KiB each, or one made by another command).
 * Stdin that is not UTF-8 is refused (status 2): decoded, each bad byte sequence would be sent as
 * U+FFFD, not what was given. `what` names it in the error.
 */
export async function argumentText(given: string, what: string): Promise<string> {
  if (given !== '-') return given;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  if (!isUtf8(bytes)) {
    throw new CliError(
      `${what} read from stdin is not valid UTF-8 text; convert it first (for Latin-1 text: iconv -f latin1 -t utf-8).`,
      ExitCodes.USAGE,
    );
  }
  return bytes.toString('utf8');
}
