/**
 * A name or a value a sender gave, as an error message or a log line repeats it: cut to its
 * first `most` characters, "..." marking the cut. A hostile or broken sender's 8 MB action name
 * must not come back as an 8 MB reply and a 16 MB log line.
 */
export function clipped(text: string, most = 120): string {
  if (text.length <= most) return text;
  // not between the two halves of a character outside the BMP (an emoji): a lone half prints as U+FFFD
  const code = text.charCodeAt(most - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? most - 1 : most;
  return `${text.slice(0, end)}...`;
}

/** At most `most` named, and how many more: a stop with a thousand clients or tasks busy writes one readable line. */
export function clippedList(names: readonly string[], most = 10): string {
  return names.length <= most ? names.join(', ') : `${names.slice(0, most).join(', ')}, and ${names.length - most} more`;
}

/** Names an error lists (the actions a service has, the types a thread handles): a service of 10 000 actions answered 69 KB to any unknown one. */
export const NAMES_LISTED = 50;
