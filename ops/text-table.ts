/** A plain left-aligned text table for the terminal; cells are cut at `maxWidth` so rows stay one line. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], maxWidth = 60): string {
  const cut = (cell: string) => {
    const oneLine = cell.replace(/\s+/g, ' ');
    return oneLine.length > maxWidth ? `${oneLine.slice(0, maxWidth - 1)}…` : oneLine;
  };
  const cells = [header, ...rows].map((row) => row.map(cut));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), line(widths.map((width) => '-'.repeat(width))), ...cells.slice(1).map(line)].join('\n');
}
