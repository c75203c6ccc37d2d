import { expectedCalls, maxPlaylistPages } from '../../lambdas/youtube-sync/fetch-channel';
import { QuotaMeter } from '../../lambdas/youtube-sync/quota';

const channel = (videoCount: unknown) => ({ id: 'UCx', statistics: { videoCount } }) as never;

describe('youtube-sync paging limits from the channel video count', () => {
  it('expects one page and no batch for a video count that is not a count, so the budget stays a number', () => {
    const meter = new QuotaMeter(10);

    for (const count of ['abc', '-5', '1.5', '99999999999999999999', undefined]) {
      expect(expectedCalls(channel(count))).toBe(1);
    }
    expect(meter.reserve(expectedCalls(channel('abc')))).toBe(true);
    expect(meter.reserve(10)).toBe(false);
  });

  it('allows the pages the count needs plus 2, or a tenth more for large channels', () => {
    expect(maxPlaylistPages(channel('0'))).toBe(3);
    expect(maxPlaylistPages(channel('120'))).toBe(5);
    expect(maxPlaylistPages(channel('10000'))).toBe(220);
  });
});
