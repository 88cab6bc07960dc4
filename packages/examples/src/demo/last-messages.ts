import { fit } from './format';

/** "name  message" for each thread that has logged, cut to `width` when given. */
export function lastMessageLines(names: readonly string[], lastMessages: ReadonlyMap<string, string>, width?: number): string[] {
  const logged = names.filter((name) => lastMessages.has(name));
  const pad = Math.max(0, ...logged.map((name) => name.length));
  return logged.map((name) => {
    const line = `${name.padEnd(pad)}  ${lastMessages.get(name) ?? ''}`;
    return width === undefined ? line : fit(line, width);
  });
}
