import { PassThrough } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { Upload } from '@aws-sdk/lib-storage';
import { readDynamoNumber } from './dynamo-json';
import type { AnalyticsSink, DailyParquetPorts, MessageSource } from './ports';

/** The AWS adapters of daily-parquet's ports: DynamoDB Query pages in, S3 (multipart upload) out. */

export function createClients(env: NodeJS.ProcessEnv = process.env) {
  const region = env.AWS_REGION ?? 'ap-northeast-1';
  const dynamo = new DynamoDBClient({ region, ...(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {}) });
  const s3 = new S3Client({
    region,
    // A local endpoint (s3rver) needs path-style URLs and plain (not aws-chunked) uploads.
    ...(env.S3_ENDPOINT
      ? { endpoint: env.S3_ENDPOINT, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' as const }
      : {}),
  });
  // Numbers keep every digit DynamoDB holds (dynamo-json.ts); the default throws on 1e22 + 0.5.
  const documents = DynamoDBDocumentClient.from(dynamo, { unmarshallOptions: { wrapNumbers: readDynamoNumber } });
  return { documents, s3 };
}

/** Paginated Query on one tenant's sort-key range; the next page is requested while this one is written. */
export function dynamoMessageSource(
  documents: DynamoDBDocumentClient,
  tableName: string,
  [partitionKey, sortKey]: readonly [string, string],
): MessageSource {
  return {
    async *queryRange(tenant, fromSortKey, toSortKey) {
      const query = (startKey?: Record<string, unknown>) =>
        documents.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :tenant AND #sk BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#pk': partitionKey, '#sk': sortKey },
            ExpressionAttributeValues: { ':tenant': tenant, ':from': fromSortKey, ':to': toSortKey },
            ExclusiveStartKey: startKey,
          }),
        );
      let pending: Promise<QueryCommandOutput> | undefined = query();
      while (pending) {
        const page: QueryCommandOutput = await pending;
        pending = page.LastEvaluatedKey ? query(page.LastEvaluatedKey) : undefined;
        // A prefetched page that fails while this one is written must not become an unhandled rejection.
        pending?.catch(() => undefined);
        yield page.Items ?? [];
      }
    },
  };
}

// encodeURI keeps `=` and `/` readable; S3 and s3rver (which only decodeURIs) both accept that.
const copySource = (bucket: string, key: string) => encodeURI(`${bucket}/${key}`);

async function keyExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
  return (page.Contents ?? []).some((object) => object.Key === key);
}

export function s3AnalyticsSink(s3: S3Client, bucket: string): AnalyticsSink {
  return {
    uriOf: (key) => `s3://${bucket}/${key}`,
    openUpload(key, contentType) {
      const stream = new PassThrough({ highWaterMark: 1024 * 1024 });
      const upload = new Upload({
        client: s3,
        params: { Bucket: bucket, Key: key, Body: stream, ContentType: contentType },
        partSize: 8 * 1024 * 1024,
        queueSize: 2,
        leavePartsOnError: false,
      });
      const done = upload.done().then(() => undefined);
      done.catch(() => undefined);
      return { stream, done, abort: () => upload.abort() };
    },
    async putText(key, body, contentType) {
      // Explicit length: the SDK sets none for an empty body, then warns on stderr about streams of unknown length.
      const ContentLength = Buffer.byteLength(body, 'utf8');
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, ContentLength }),
      );
    },
    async getText(key) {
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await object.Body?.transformToString('utf8');
      } catch (error) {
        if ((error as Error).name === 'NoSuchKey') return undefined;
        // S3 answers 403, not 404, for a missing key unless s3:ListBucket allows it; the role may list
        // only under its prefix, so a listing of this one key tells "missing" from a real denial.
        if ((error as Error).name === 'AccessDenied' && !(await keyExists(s3, bucket, key))) return undefined;
        throw error;
      }
    },
    async copy(fromKey, toKey) {
      await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: toKey, CopySource: copySource(bucket, fromKey) }));
    },
    async listKeys(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    async deleteKeys(keys) {
      for (let start = 0; start < keys.length; start += 1000) {
        const batch = keys.slice(start, start + 1000);
        const result = await s3.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
        if (result.Errors?.length)
          throw new Error(`could not delete ${result.Errors.map((e) => `${e.Key}: ${e.Code}`).join(', ')}`);
      }
    },
  };
}

export function awsPorts(
  settings: { messagesTable: string; analyticsBucket: string; keyAttributes: readonly [string, string] },
  env: NodeJS.ProcessEnv = process.env,
): DailyParquetPorts {
  const clients = createClients(env);
  return {
    source: dynamoMessageSource(clients.documents, settings.messagesTable, settings.keyAttributes),
    sink: s3AnalyticsSink(clients.s3, settings.analyticsBucket),
  };
}
