/**
 * The text of a JSON argument: `-` stands for stdin, read to its end (a payload too large for the
 * command line, whose arguments Linux caps at 128 KiB each, or one made by another command).
 */
export async function argumentText(given: string): Promise<string> {
  if (given !== '-') return given;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
