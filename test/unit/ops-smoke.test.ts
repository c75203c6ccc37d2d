import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { JOBS } from '../../lib/jobs';
import { runOps } from '../../ops/cli';
import { captureIo } from '../support/ops-io';

const lambda = mockClient(LambdaClient);
const secrets = mockClient(SecretsManagerClient);
const cloudwatch = mockClient(CloudWatchClient);
const encode = (value: unknown) =>
  new Uint8Array(Buffer.from(JSON.stringify(value))) as NonNullable<InvokeCommandOutput['Payload']>;

/** The job monitor's GET /api/monitor/jobs, answering only the right bearer token. */
let server: Server;
let baseUrl: string;
let watchdogStatus = 'success';
const seenAuthorization: string[] = [];
beforeAll(async () => {
  server = createServer((request, response) => {
    seenAuthorization.push(String(request.headers.authorization));
    if (request.url !== '/api/monitor/jobs' || request.headers.authorization !== 'Bearer read-token') {
      response.writeHead(401).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ jobs: [{ job_key: 'job-watchdog', status: watchdogStatus }] }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

beforeEach(() => {
  lambda.reset();
  secrets.reset();
  cloudwatch.reset();
  watchdogStatus = 'success';
  lambda.on(InvokeCommand).resolves({ Payload: encode({ status: 'success', message: '0 late' }) });
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ current: 'read-token' }) });
  cloudwatch.on(DescribeAlarmsCommand).resolves({ CompositeAlarms: [{ StateValue: 'OK' }] });
});

function outputsFile(): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'smoke-')), 'cdk-outputs.json');
  const api = {
    JobReportUrl: `${baseUrl}/api/monitor/job-report`,
    ReadTokenSecret: 'arn:aws:secretsmanager:x:1:secret:ReadToken-abc',
  };
  writeFileSync(file, JSON.stringify({ 'Nightshift-prod-Api': api }));
  return file;
}

describe('ops smoke', () => {
  it('runs the watchdog, reads the job list with the read token and reads the pager alarm', async () => {
    const { io, stdout } = captureIo();

    const code = await runOps(['smoke', '--stage', 'prod', '--outputs', outputsFile()], { io, jobs: JOBS });

    expect(code).toBe(0);
    expect(lambda.commandCalls(InvokeCommand)[0].args[0].input).toMatchObject({
      FunctionName: 'nightshift-prod-job-watchdog',
      InvocationType: 'RequestResponse',
    });
    expect(secrets.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({
      SecretId: 'arn:aws:secretsmanager:x:1:secret:ReadToken-abc',
    });
    expect(seenAuthorization.at(-1)).toBe('Bearer read-token');
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0].args[0].input).toEqual({
      AlarmNames: ['nightshift-prod-unhealthy'],
      AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
    });
    expect(stdout()).toContain('nightshift-prod-unhealthy is OK');
    expect(stdout()).toContain('smoke test of prod (ap-northeast-1): passed');
  });

  it('fails when the watchdog run fails, and still reports the other checks', async () => {
    lambda.on(InvokeCommand).resolves({
      FunctionError: 'Unhandled',
      Payload: encode({ errorType: 'Error', errorMessage: 'table missing' }),
    });
    watchdogStatus = 'error';
    const { io, stdout } = captureIo();

    expect(await runOps(['smoke', '--stage', 'prod', '--api-url', baseUrl], { io, jobs: JOBS })).toBe(1);

    expect(stdout()).toMatch(/job-watchdog runs\s+FAILED\s+Error: table missing/);
    expect(stdout()).toMatch(/job list answers with the read token\s+FAILED\s+job-watchdog is "error" in the job list/);
    expect(stdout()).toMatch(/pager alarm readable\s+ok/);
  });

  it('fails when the pager alarm does not exist', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ CompositeAlarms: [], MetricAlarms: [] });
    const { io, stdout } = captureIo();
    expect(await runOps(['smoke', '--stage', 'prod', '--api-url', baseUrl], { io, jobs: JOBS })).toBe(1);
    expect(stdout()).toContain('alarm nightshift-prod-unhealthy does not exist');
  });

  it('needs to know where the API is', async () => {
    const { io, stderr } = captureIo();
    expect(await runOps(['smoke'], { io, jobs: JOBS })).toBe(2);
    expect(stderr()).toBe('ops: smoke needs --outputs <cdk outputs file> or --api-url <url>');
  });
});
