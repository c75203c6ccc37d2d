/** A banner row: a label and its value; a row without a value is a heading. */
export type BannerRow = readonly [label: string, value?: string];

/**
 * The `npm start` banner: every value starts in the same column, whatever the label (service, secret
 * name or schedule), so the eye can run down it.
 */
export function renderBanner(rows: readonly BannerRow[]): string {
  const width = Math.max(...rows.filter(([, value]) => value !== undefined).map(([label]) => label.length));
  return rows
    .map(([label, value]) => (value === undefined ? `  ${label}` : `  ${label.padEnd(width)}  ${value}`.trimEnd()))
    .join('\n');
}
