import { channelId, FakeYoutube, makeVideos } from '../test/support/fake-youtube';

/**
 * youtube-sync in local mode: unless YOUTUBE_API_BASE_URL points at a real API, `npm start` serves the
 * fake YouTube Data API (the one the tests use) with a few demo channels, so the schedules and
 * `npm run invoke -- youtube-sync '{}'` work offline.
 */

const DEMO_TITLES = [
  '【公式】東京の夜景 🌃',
  '京都・嵐山を歩く 🍁',
  'How we deploy on Fridays',
  '深夜のラーメン 🍜 #shorts',
];

export interface LocalYoutube {
  /** YOUTUBE_* variables for the jobs; empty when the caller chose a real API. */
  readonly env: Record<string, string>;
  /** One line for the start-up banner. */
  readonly description: string;
  stop(): Promise<void>;
}

export async function startLocalYoutube(environment: NodeJS.ProcessEnv = process.env): Promise<LocalYoutube> {
  if (environment.YOUTUBE_API_BASE_URL) {
    return { env: {}, description: `${environment.YOUTUBE_API_BASE_URL} (from the environment)`, stop: async () => {} };
  }
  const fake = new FakeYoutube({ latencyMs: 20 });
  const demo = [
    { name: 'nightshiftdemo', title: 'nightshift デモチャンネル', videos: 120 },
    { name: 'tokyowalks', title: '東京さんぽ 🚶', videos: 37 },
    { name: 'emptychannel', title: 'まだ動画なし', videos: 0 },
  ];
  for (const channel of demo) {
    fake.channels.push({
      id: channelId(channel.name),
      handle: `@${channel.name}`,
      title: channel.title,
      subscribers: 1000 + channel.videos * 10,
      videos: makeVideos(
        channel.name.slice(0, 4),
        channel.videos,
        (i) => `${DEMO_TITLES[i % DEMO_TITLES.length]} #${i + 1}`,
      ),
    });
  }
  const url = await fake.listen();
  const channels = fake.channels.map((channel) => channel.id).join(',');
  return {
    env: { YOUTUBE_API_BASE_URL: url, YOUTUBE_API_KEY: fake.apiKey, YOUTUBE_CHANNELS: channels },
    description: `${url}   (fake YouTube Data API, ${demo.length} demo channels)`,
    stop: () => fake.close(),
  };
}
