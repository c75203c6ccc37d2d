import fc from 'fast-check';
import { CSV_COLUMNS, type CsvRow, channelCsv, videoRow } from '../../lambdas/youtube-sync/channel-csv';
import { videoAnswer, videoItem } from '../support/youtube-item-arbitraries';

/**
 * Properties of youtube-sync's row builder over generated API items: any item becomes a row PostgreSQL
 * accepts (every value within its column's type) or a counted drop, never an exception; and a channel's
 * answer accounts for every item. Fixed seed, bounded runs. The integration twin loads such rows.
 */

const RUNS = { seed: 20_260_118, numRuns: 400 };
const fetchedAt = new Date('2025-08-11T03:00:00Z');
const BIGINT_MAX = 2n ** 63n - 1n;
const COUNTS = ['view_count', 'like_count', 'comment_count'] as const;
const STATISTIC_OF = { view_count: 'viewCount', like_count: 'likeCount', comment_count: 'commentCount' } as const;

const wellFormed = (text: string) =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

function expectLoadable(row: CsvRow) {
  expect(row.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  expect(typeof row.title).toBe('string');
  for (const column of ['title', 'description', 'duration'] as const) {
    const text = row[column];
    if (text !== null) {
      expect(text).not.toContain('\u0000');
      expect(wellFormed(text)).toBe(true);
    }
  }
  for (const column of COUNTS) {
    const count = row[column];
    if (count !== null) {
      expect(count).toMatch(/^(0|[1-9]\d*)$/);
      expect(BigInt(count) <= BIGINT_MAX).toBe(true);
    }
  }
  if (row.published_at !== null) {
    expect(row.published_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/);
    expect(new Date(row.published_at).toISOString().slice(0, 19)).toBe(row.published_at.slice(0, 19));
    expect(row.published_at >= '0001-01-01').toBe(true);
  }
}

describe('youtube-sync row builder properties', () => {
  it('turns any videos.list item into a loadable row or a drop, never an exception', () => {
    fc.assert(
      fc.property(videoItem, (item) => {
        const result = videoRow(item, 'UCchannel', fetchedAt);
        if ('dropped' in result) {
          expect(result.dropped).toBe('withoutId');
          return;
        }
        expectLoadable(result.row);
        expect(Object.keys(result.row)).toEqual([...CSV_COLUMNS]);
      }),
      RUNS,
    );
  });

  it('counts every count it could not keep, and keeps every one it could', () => {
    fc.assert(
      fc.property(videoItem, (item) => {
        const result = videoRow(item, 'UCchannel', fetchedAt);
        if ('dropped' in result) return;
        const statistics = (item as { statistics?: Record<string, unknown> }).statistics;
        for (const column of COUNTS) {
          const raw =
            typeof statistics === 'object' && statistics !== null ? statistics[STATISTIC_OF[column]] : undefined;
          const counted = result.issues.some((issue) => issue.column === column);
          const sent = raw !== undefined && raw !== null;
          expect(counted).toBe(sent && result.row[column] === null);
          if (sent && !counted) expect(BigInt(result.row[column] as string)).toBe(BigInt(raw as string | number));
        }
      }),
      RUNS,
    );
  });

  it("accounts for every item of a channel's answer: a row, or a drop by reason", () => {
    fc.assert(
      fc.property(videoAnswer, ({ videos, listedIds }) => {
        const built = channelCsv(
          { channel: { id: 'UCchannel' }, videos: videos as never[], listedIds, unusableEntries: 0 },
          fetchedAt,
        );
        const dropped = built.dropped.withoutId + built.dropped.repeated + built.dropped.notListed;
        expect(built.videoRows + dropped).toBe(videos.length);
        expect(built.videoRows + built.skippedVideos).toBe(listedIds.length);
      }),
      RUNS,
    );
  });
});
