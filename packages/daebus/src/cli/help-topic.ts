import type { Command } from 'commander';

/**
 * The topic of `daebus [verb] help <topic>` when no command has that name (`help` itself
 * included, which commander takes for an unknown one), and the command whose help was asked
 * for; else undefined.
 * Commander answers such a line with the whole help on stderr and nothing saying what was
 * wrong; run() says it instead. Walks `args` (process.argv without node and the script) down
 * the command tree, skipping options and the values they take.
 */
export function unknownHelpTopic(program: Command, args: readonly string[]): { topic: string; of: Command } | undefined {
  let command = program;
  let askingHelp = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') return undefined;
    if (arg.startsWith('-')) {
      const name = arg.split('=')[0];
      const option = [command, ...ancestors(command)].flatMap((c) => c.options).find((o) => o.long === name || o.short === name);
      if (option && (option.required || option.optional) && !arg.includes('=')) i++;
      continue;
    }
    const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (askingHelp) return sub ? undefined : { topic: arg, of: command };
    if (arg === 'help' && command.commands.length > 0 && !sub) askingHelp = true;
    else if (sub) command = sub;
    else return undefined;
  }
  return undefined;
}

/** `daebus thread`, as the user types it. */
export function commandPath(command: Command): string {
  return [...ancestors(command).reverse(), command].map((c) => c.name()).join(' ');
}

function ancestors(command: Command): Command[] {
  const found: Command[] = [];
  for (let parent = command.parent; parent; parent = parent.parent) found.push(parent);
  return found;
}
