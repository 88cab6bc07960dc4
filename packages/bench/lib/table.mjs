// A Markdown table as lines of text, for the curves' details (pasted as-is into results files).

/** `header`: column titles; `rows`: arrays of cells (already formatted strings). */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)];
}
