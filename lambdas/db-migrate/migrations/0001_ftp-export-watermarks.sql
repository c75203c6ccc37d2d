-- Up Migration
-- ftp-export's record of what each incremental recipient was sent, per slot.
-- IF NOT EXISTS: databases where an older ftp-export created it at run time keep their rows.
CREATE TABLE IF NOT EXISTS nightshift_export_watermarks (
  recipient   text        NOT NULL,
  slot        timestamptz NOT NULL,
  lower_bound text,
  upper_bound text,
  file_name   text        NOT NULL,
  rows        bigint      NOT NULL,
  bytes       bigint      NOT NULL,
  exported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (recipient, slot)
);

-- Down Migration
DROP TABLE IF EXISTS nightshift_export_watermarks;
