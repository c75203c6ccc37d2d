-- Up Migration
-- youtube-sync: channels, videos (metadata, latest statistics) and one statistics snapshot per video per JST date.
CREATE TABLE youtube_channels (
  channel_id          text        PRIMARY KEY,
  title               text        NOT NULL,
  description         text,
  custom_url          text,
  published_at        timestamptz,
  uploads_playlist_id text,
  subscriber_count    bigint,
  view_count          bigint,
  video_count         bigint,
  fetched_at          timestamptz NOT NULL,
  run_id              text        NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

-- @handles from the settings, resolved once (channels.list forHandle) and kept here.
CREATE TABLE youtube_channel_handles (
  handle      text        PRIMARY KEY,
  channel_id  text        NOT NULL,
  resolved_at timestamptz NOT NULL DEFAULT now()
);

-- No foreign keys here or below: the load writes channel, videos and snapshots in one transaction,
-- in that order, and per-row key checks (with their row locks) would triple its time.
CREATE TABLE youtube_videos (
  video_id      text        PRIMARY KEY,
  channel_id    text        NOT NULL,
  title         text        NOT NULL,
  description   text,
  published_at  timestamptz,
  duration      text,
  view_count    bigint,
  like_count    bigint,
  comment_count bigint,
  fetched_at    timestamptz NOT NULL,
  run_id        text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX youtube_videos_channel_published ON youtube_videos (channel_id, published_at);

-- stat_date is the JST date of the fetch: later runs of the same day update their day's row.
CREATE TABLE youtube_video_daily_stats (
  video_id      text        NOT NULL,
  stat_date     date        NOT NULL,
  view_count    bigint,
  like_count    bigint,
  comment_count bigint,
  fetched_at    timestamptz NOT NULL,
  run_id        text        NOT NULL,
  PRIMARY KEY (video_id, stat_date)
);

-- Down Migration
DROP TABLE youtube_video_daily_stats;
DROP TABLE youtube_videos;
DROP TABLE youtube_channel_handles;
DROP TABLE youtube_channels;
