// Text for a terminal: the colours of the tables people read, and text from elsewhere (a service,
// a thread's error message) with the control characters a terminal would obey shown instead.

export type Color = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'magenta' | 'cyan';
const ANSI: Record<Color, number> = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, magenta: 35, cyan: 36 };

/** C0 controls but tab and newline, DEL, and the C1 controls: a terminal takes them as commands (a title, a cleared screen, hidden text). */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

const escaped = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Every C0 control, tab and newline included: for a table's cell, kept on one line. */
// eslint-disable-next-line no-control-regex -- as CONTROLS
const LINE_CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** `text` on one line, with its control characters (tabs and newlines too) shown as `\u001b` and so on, not obeyed. */
export function oneLine(text: string): string {
  return text.replace(LINE_CONTROLS, escaped);
}

/** `text` with every control character but tab and newline shown, not obeyed. */
export function shownControls(text: string): string {
  return text.replace(CONTROLS, escaped);
}

/**
 * `text` as it may be written to `stream`: on a terminal, every control character but tab and
 * newline is shown, not obeyed (what a service sends may hold escape sequences, colour codes
 * included); elsewhere (a pipe, a file) as it is.
 */
export function forTerminal(text: string, stream: { isTTY?: boolean }): string {
  return stream.isTTY === true ? shownControls(text) : text;
}

/** `text` in `color` when `on`; an absent value ('-') stays plain: color marks what is there. */
export function paint(text: string, color: Color | undefined, on: boolean): string {
  const shown = text.trim();
  return on && color !== undefined && shown !== '' && shown !== '-' ? `\x1b[${ANSI[color]}m${text}\x1b[0m` : text;
}
