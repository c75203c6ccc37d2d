import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CreateTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { FTPError, Client as FtpClient } from 'basic-ftp';
import pg from 'pg';
import { createTestDatabase, dynamoClient, ftpTestDir, s3Client, testServices, uniqueName } from '../support/services';

describe('local services', () => {
  it('serves a fresh PostgreSQL database that stores and returns rows', async () => {
    const client = new pg.Client({ connectionString: await createTestDatabase('local-services') });
    await client.connect();
    try {
      await client.query('CREATE TABLE slot (id int PRIMARY KEY, name text NOT NULL)');
      await client.query('INSERT INTO slot (id, name) VALUES ($1, $2)', [1, '深夜']);

      const { rows } = await client.query('SELECT id, name FROM slot');

      expect(rows).toEqual([{ id: 1, name: '深夜' }]);
    } finally {
      await client.end();
    }
  });

  it('serves DynamoDB tables that are usable as soon as they are created', async () => {
    const dynamo = dynamoClient();
    const TableName = uniqueName('messages');
    try {
      await dynamo.send(
        new CreateTableCommand({
          TableName,
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await dynamo.send(new PutItemCommand({ TableName, Item: { pk: { S: 'tenant-a' }, count: { N: '3' } } }));

      const { Item } = await dynamo.send(new GetItemCommand({ TableName, Key: { pk: { S: 'tenant-a' } } }));

      expect(Item).toEqual({ pk: { S: 'tenant-a' }, count: { N: '3' } });
    } finally {
      dynamo.destroy();
    }
  });

  it('serves S3 buckets that return streamed uploads byte for byte', async () => {
    const s3 = s3Client();
    const Bucket = uniqueName('analytics');
    const body = Buffer.from('tenant,day\na,2024-01-01\n');
    try {
      await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(
        new PutObjectCommand({ Bucket, Key: 'daily/a.csv', Body: Readable.from([body]), ContentLength: body.length }),
      );

      const object = await s3.send(new GetObjectCommand({ Bucket, Key: 'daily/a.csv' }));

      expect(Buffer.from(await object.Body!.transformToByteArray())).toEqual(body);
    } finally {
      s3.destroy();
    }
  });

  it('accepts an FTPS upload over explicit TLS that trusts only its own certificate', async () => {
    const { ftp } = testServices();
    const dir = await ftpTestDir('upload');
    const body = Buffer.from('id,name\n1,深夜\n');
    const client = new FtpClient(10_000);
    try {
      await client.access({
        host: ftp.host,
        port: ftp.port,
        user: ftp.user,
        password: ftp.password,
        secure: true,
        secureOptions: { ca: ftp.certificatePem },
      });

      await client.uploadFrom(Readable.from([body]), `${dir.relativePath}/export.csv`);

      expect(await readFile(path.join(dir.absolutePath, 'export.csv'))).toEqual(body);
    } finally {
      client.close();
    }
  });

  it('rejects an FTPS login with a wrong password with code 530', async () => {
    const { ftp } = testServices();
    const client = new FtpClient(10_000);
    try {
      const login = client.access({
        host: ftp.host,
        port: ftp.port,
        user: ftp.user,
        password: `${ftp.password}-wrong`,
        secure: true,
        secureOptions: { ca: ftp.certificatePem },
      });

      await expect(login).rejects.toBeInstanceOf(FTPError);
      await expect(login).rejects.toMatchObject({ code: 530 });
    } finally {
      client.close();
    }
  });
});
