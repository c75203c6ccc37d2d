import stringWidth from 'string-width';
import { renderTable } from '../../ops/text-table';

/** The display column where each cell after the first starts: the column boundaries a reader sees. */
function columnStarts(line: string, cells: readonly string[]): number[] {
  let rest = line;
  let consumed = 0;
  const starts: number[] = [];
  for (const cell of cells) {
    const at = rest.indexOf(cell);
    consumed += stringWidth(rest.slice(0, at));
    starts.push(consumed);
    consumed += stringWidth(cell);
    rest = rest.slice(at + cell.length);
  }
  return starts;
}

describe('ops text tables', () => {
  it('lines up columns by display width with Japanese and emoji titles', () => {
    const rows = [
      ['minpaku-in-report', 'minpaku-IN レポート作成', 'success'],
      ['sample-job', '🌙 夜間バッチ 👨‍👩‍👧', 'error'],
      ['ascii', 'plain title', 'success'],
    ];
    const lines = renderTable(['job', 'title', 'result'], rows).split('\n');

    const starts = rows.map((row, index) => columnStarts(lines[index + 2], row));
    expect(starts[0]).toEqual(starts[1]);
    expect(starts[1]).toEqual(starts[2]);
    expect(columnStarts(lines[0], ['job', 'title', 'result'])).toEqual(starts[0]);
    // The rule under the header is as wide as the widest title in columns.
    expect(lines[1].split('  ')[1]).toBe('-'.repeat(stringWidth('minpaku-IN レポート作成')));
  });

  it('cuts a long Japanese cell at the column limit in display columns, never inside a character', () => {
    const title = '日本語のとても長いジョブのタイトルです';
    const [, , row] = renderTable(['title'], [[title]], 11).split('\n');
    expect(stringWidth(row)).toBeLessThanOrEqual(11);
    expect(row).toBe('日本語のと…');
  });
});
