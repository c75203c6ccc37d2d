import fc from 'fast-check';

/**
 * fast-check arbitraries for what the YouTube Data API could answer, the well-formed and the hostile:
 * videos.list items whose every field may be missing, of the wrong type, or a near miss of the right
 * shape (a count of "1.5", a date of Feb 30, a NUL in a title, a lone surrogate, an id with a comma).
 */

const nastyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({
    unit: fc.constantFrom('\u0000', '\ud800', '\udc00', '😀', '障', '"', ',', '\n', '\r', '\\', 'a', ' '),
    maxLength: 12,
  }),
  fc.constantFrom('', 'ok', '【公式】東京 🌃', 'a\u0000b'),
);

const countLike = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String),
  fc.constantFrom('abc', '1.5', '-3', '-0', '+5', ' 7', '007', '', '1e3', '99999999999999999999'),
  fc.constantFrom('9223372036854775807', '9223372036854775808', '0'),
  fc.integer(),
  fc.double(),
);

const dateLike = fc.oneof(
  fc
    .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
    .map((date) => date.toISOString()),
  fc.constantFrom(
    'not a date',
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-02-29T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T23:59:60Z',
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:30:00+01:00',
    '9999-12-31T23:30:00-01:00',
    '2024-06-01T12:00:00.123456789+09:00',
    '2024-06-01',
    '',
  ),
);

const idLike = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{11}$/),
  fc.constantFrom('', 'a,b', 'x'.repeat(65), 'id\u0000', 'vid 1', 'ok_id-1'),
  fc.integer(),
);

const anyJson = fc.jsonValue({ maxDepth: 2 });

/** A value that is right most of the time and anything at all otherwise. */
const mostly = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: anyJson }, { weight: 1, arbitrary: nastyText });

const statistics = fc.record(
  { viewCount: mostly(countLike), likeCount: mostly(countLike), commentCount: mostly(countLike) },
  { requiredKeys: [] },
);

/** A videos.list item (or, now and then, anything JSON can hold). */
export const videoItem: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record(
      {
        id: mostly(idLike),
        snippet: mostly(
          fc.record(
            { title: mostly(nastyText), description: mostly(nastyText), publishedAt: mostly(dateLike) },
            { requiredKeys: [] },
          ),
        ),
        contentDetails: mostly(fc.record({ duration: mostly(nastyText) }, { requiredKeys: [] })),
        statistics: mostly(statistics),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: anyJson },
);

/** A videos.list answer for one channel: items, some ids repeated, and the ids the playlist listed. */
export const videoAnswer = fc
  .array(videoItem, { maxLength: 12 })
  .chain((videos) => {
    const ids = videos.flatMap((video) => {
      const id = (video as { id?: unknown } | null)?.id;
      return typeof id === 'string' ? [id] : [];
    });
    return fc.record({
      videos: fc.constant(videos),
      // Most answered ids were asked for; a few were not, and some asked-for ids get no item.
      listedIds: fc.uniqueArray(
        fc.oneof(fc.constantFrom(...(ids.length > 0 ? ids : ['none'])), fc.stringMatching(/^[A-Za-z0-9_-]{11}$/)),
        { maxLength: 14 },
      ),
      repeat: fc.boolean(),
    });
  })
  .map(({ videos, listedIds, repeat }) => ({
    videos: repeat && videos.length > 0 ? [...videos, videos[0]] : videos,
    listedIds: listedIds.filter((id) => /^[A-Za-z0-9_-]{1,64}$/.test(id)),
  }));
