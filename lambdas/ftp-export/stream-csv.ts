import { finished as streamFinished } from 'node:stream/promises';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { type CsvRenderOptions, CsvRenderStream } from './render-csv';

/**
 * Streams one export's CSV out of PostgreSQL: a COPY on its own connection, in a read-only transaction
 * whose session prints timestamps in Asia/Tokyo, piped through the render stream. Memory stays flat:
 * COPY pauses when the consumer (the FTP data socket or a file) does.
 */

export interface CsvStream {
  /** The CSV bytes, header first; read it once. */
  readonly csv: CsvRenderStream;
  /** Resolves when every row has been read and the transaction closed; rejects with the first failure. */
  readonly finished: Promise<void>;
  /** The first failure of the query or the rendering, if any (not the consumer hanging up). */
  failure(): Error | undefined;
  /** Ends the connection, first reading what is left of an abandoned COPY so the server ends it cleanly. */
  close(): Promise<void>;
}

const SESSION = "BEGIN READ ONLY; SET LOCAL TimeZone = 'Asia/Tokyo'; SET LOCAL DateStyle = 'ISO, YMD'";
/** How long an abandoned COPY may be read to its end before the connection is cut instead. */
const DRAIN_TIMEOUT_MS = 10_000;

export async function streamCsv(
  connectDatabase: () => Promise<pg.Client>,
  copyStatement: string,
  render: CsvRenderOptions,
): Promise<CsvStream> {
  // First, as it encodes the header: a header the encoding cannot hold fails before any connection.
  const csv = new CsvRenderStream(render);
  const client = await connectDatabase();
  let failure: Error | undefined;
  // A socket error after a cut connection must not become an unhandled 'error' event.
  client.on('error', (error) => {
    failure ??= error;
  });
  try {
    await client.query(SESSION);
  } catch (error) {
    client.connection.stream.destroy();
    throw error;
  }
  const copy = client.query(copyTo(copyStatement));
  // Not stream.pipeline: a consumer that gives up destroys `csv`, and COPY must then be drained, not destroyed.
  copy.pipe(csv);
  copy.on('error', (error) => {
    failure ??= error;
    csv.destroy(error);
  });
  csv.on('error', (error: NodeJS.ErrnoException) => {
    // A consumer that stops reading (a failed upload) shows up as a premature close: not our failure.
    if (error.code !== 'ERR_STREAM_PREMATURE_CLOSE') failure ??= error;
  });
  const copied = streamFinished(copy);
  const finished = copied.then(async () => {
    await streamFinished(csv);
    if (failure) throw failure;
    await client.query('COMMIT');
  });
  // Whoever consumes `csv` sees the failure; this only keeps an unobserved rejection from crashing the process.
  finished.catch(() => undefined);

  return {
    csv,
    finished,
    failure: () => failure,
    async close() {
      if (csv.readableEnded && !failure) {
        await client.end();
        return;
      }
      csv.destroy();
      copy.unpipe(csv);
      copy.resume();
      const drained = await Promise.race([
        copied.then(
          () => true,
          () => !client.connection.stream.destroyed,
        ),
        new Promise<boolean>((resolve) => setTimeout(resolve, DRAIN_TIMEOUT_MS, false).unref()),
      ]);
      if (!drained) {
        client.connection.stream.destroy();
        return;
      }
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
