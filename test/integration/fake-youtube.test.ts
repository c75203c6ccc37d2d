import { channelId, FakeYoutube, makeVideos, uploadsPlaylistOf } from '../support/fake-youtube';

/** The fake answers like the API reference says, so the job's tests mean something. */
let fake: FakeYoutube;
beforeEach(async () => {
  fake = new FakeYoutube();
  await fake.listen();
  fake.channels.push({ id: channelId('alpha'), title: 'alpha', videos: makeVideos('al', 120) });
});
afterEach(() => fake.close());

interface ApiBody {
  items: Array<Record<string, unknown>>;
  error: { errors: Array<{ reason: string }> };
}

const get = async (path: string, key = fake.apiKey) => {
  const response = await fetch(`${fake.url}youtube/v3/${path}${path.includes('?') ? '&' : '?'}key=${key}`);
  return { status: response.status, body: (await response.json()) as ApiBody };
};

describe('the fake YouTube Data API', () => {
  it('answers a list with kind, etag, pageInfo, items and a nextPageToken', async () => {
    const { status, body } = await get(
      `playlistItems?part=contentDetails&maxResults=50&playlistId=${uploadsPlaylistOf(channelId('alpha'))}`,
    );

    expect(status).toBe(200);
    expect(body).toMatchObject({
      kind: 'youtube#playlistItemListResponse',
      etag: expect.any(String),
      pageInfo: { totalResults: 120, resultsPerPage: 50 },
      nextPageToken: expect.any(String),
    });
    expect(body.items).toHaveLength(50);
    expect(body.items[0]).toMatchObject({
      kind: 'youtube#playlistItem',
      contentDetails: { videoId: expect.any(String) },
    });
  });

  it('refuses more than 50 ids with a 400, as the API does', async () => {
    const ids = makeVideos('al', 51).map((video) => video.id);

    const { status, body } = await get(`videos?part=statistics&id=${ids.join(',')}`);

    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 400, errors: [expect.objectContaining({ reason: 'invalidFilters' })] });
  });

  it('answers a wrong key with 400 keyInvalid and an exhausted quota with 403 quotaExceeded, counting both', async () => {
    fake.quotaLimit = 1;

    const wrongKey = await get('channels?part=id&id=x', 'nope');
    const overQuota = await get('channels?part=id&id=x');

    expect(wrongKey.status).toBe(400);
    expect(wrongKey.body.error.errors[0].reason).toBe('keyInvalid');
    expect(overQuota.status).toBe(403);
    expect(overQuota.body.error.errors[0]).toMatchObject({ reason: 'quotaExceeded', domain: 'youtube.quota' });
    expect(fake.calls['channels.list']).toBe(2);
  });
});
