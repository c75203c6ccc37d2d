import stringWidth from 'string-width';

/** Columns a cell takes in a terminal: a Japanese character or an emoji takes two. */
export const displayWidth = (text: string): number => stringWidth(text);

const graphemes = new Intl.Segmenter();

/** The longest start of `text` (whole characters) that fits in `width` columns, with … when cut. */
function cutToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let kept = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const next = displayWidth(segment);
    if (used + next > width - 1) break;
    kept += segment;
    used += next;
  }
  return `${kept}…`;
}

/** Pads to `width` display columns (String.padEnd counts code units, which misaligns wide text). */
function padToWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** A plain left-aligned text table for the terminal; cells are cut at `maxWidth` columns so rows stay one line. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], maxWidth = 60): string {
  const cells = [header, ...rows].map((row) => row.map((cell) => cutToWidth(cell.replace(/\s+/g, ' '), maxWidth)));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => displayWidth(row[column] ?? ''))));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => padToWidth(cell, widths[column]))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), line(widths.map((width) => '-'.repeat(width))), ...cells.slice(1).map(line)].join('\n');
}
