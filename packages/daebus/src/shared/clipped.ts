/**
 * A name or a value a sender gave, as an error message or a log line repeats it: cut to its
 * first `most` characters, "..." marking the cut. A hostile or broken sender's 8 MB action name
 * must not come back as an 8 MB reply and a 16 MB log line.
 */
export function clipped(text: string, most = 120): string {
  return text.length > most ? `${text.slice(0, most)}...` : text;
}
