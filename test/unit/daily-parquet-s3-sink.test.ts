import { GetObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { s3AnalyticsSink } from '../../lambdas/daily-parquet/aws-ports';

const BUCKET = 'nightshift-dev-analytics-123456789012-ap-northeast-1';
const KEY = 'analytics/_staging/messages/tenant_id=demo/dt=2025-08-11/run=run-1/slice-00003.json';

/** The error S3 answers a GetObject with: 403 AccessDenied, or 404 NoSuchKey. */
function s3Error(name: 'AccessDenied' | 'NoSuchKey', status: number) {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
}

describe("daily-parquet's S3 sink reading a slice result", () => {
  const s3 = mockClient(S3Client);
  const sink = s3AnalyticsSink(new S3Client({ region: 'ap-northeast-1' }), BUCKET);
  beforeEach(() => s3.reset());

  it('reads a missing key as missing when S3 answers 404 NoSuchKey', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('NoSuchKey', 404));

    await expect(sink.getText(KEY)).resolves.toBeUndefined();
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });

  it('reads a missing key as missing when S3 answers 403 (ListBucket is granted under a prefix only)', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403));
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 0 });

    await expect(sink.getText(KEY)).resolves.toBeUndefined();
    // The listing asks for this one key, under the prefix the role may list.
    expect(s3.commandCalls(ListObjectsV2Command)[0].args[0].input).toEqual({ Bucket: BUCKET, Prefix: KEY, MaxKeys: 1 });
  });

  it('keeps a real denial: the key exists and the read is refused', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403));
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 1, Contents: [{ Key: KEY }] });

    await expect(sink.getText(KEY)).rejects.toThrow('AccessDenied');
  });
});
