import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { callJob } from '../../lambdas/http-scheduler/call-job';
import { SecretsManagerJobSecrets } from '../../lambdas/http-scheduler/job-secrets';
import { createSchedulerApi } from '../../lambdas/http-scheduler/scheduler-api';
import { type SchedulerFixture, startSchedulerFixture } from './http-scheduler-fixture';

/**
 * Secrets Manager as AWS documents it, in memory: DeleteSecret, even with ForceDeleteWithoutRecovery,
 * only schedules the deletion, and until it is done the name answers InvalidRequestException to
 * CreateSecret, PutSecretValue and GetSecretValue. Here the deletion never completes, the worst case.
 */
function secretsManagerModel() {
  const mock = mockClient(SecretsManagerClient);
  const secrets = new Map<string, { value: string; pendingDeletion: boolean }>();
  const metadata = { $metadata: {} };
  const markedForDeletion = () =>
    new InvalidRequestException({
      ...metadata,
      message: "You can't perform this operation on the secret because it was marked for deletion.",
    });
  mock.on(CreateSecretCommand).callsFake(({ Name, SecretString }) => {
    const existing = secrets.get(Name);
    if (existing?.pendingDeletion) {
      throw new InvalidRequestException({
        ...metadata,
        message: "You can't create this secret because a secret with this name is already scheduled for deletion.",
      });
    }
    if (existing) throw new ResourceExistsException({ ...metadata, message: `The secret ${Name} already exists.` });
    secrets.set(Name, { value: SecretString, pendingDeletion: false });
    return { Name };
  });
  mock.on(PutSecretValueCommand).callsFake(({ SecretId, SecretString }) => {
    const existing = secrets.get(SecretId);
    if (!existing) throw new ResourceNotFoundException({ ...metadata, message: "Secrets Manager can't find it." });
    if (existing.pendingDeletion) throw markedForDeletion();
    existing.value = SecretString;
    return { Name: SecretId };
  });
  mock.on(GetSecretValueCommand).callsFake(({ SecretId }) => {
    const existing = secrets.get(SecretId);
    if (!existing) throw new ResourceNotFoundException({ ...metadata, message: "Secrets Manager can't find it." });
    if (existing.pendingDeletion) throw markedForDeletion();
    return { Name: SecretId, SecretString: existing.value };
  });
  mock.on(DeleteSecretCommand).callsFake(({ SecretId }) => {
    const existing = secrets.get(SecretId);
    if (!existing) throw new ResourceNotFoundException({ ...metadata, message: "Secrets Manager can't find it." });
    existing.pendingDeletion = true;
    return { Name: SecretId };
  });
  return { mock, secrets };
}

describe('HTTP job secrets in Secrets Manager', () => {
  let fixture: SchedulerFixture;
  let target: http.Server;
  let targetUrl: string;
  const model = secretsManagerModel();
  beforeAll(async () => {
    target = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => response.end('ok'));
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => {
    model.mock.restore();
    return new Promise<void>((resolve) => target.close(() => resolve()));
  });
  beforeEach(async () => {
    fixture = await startSchedulerFixture();
  });
  afterEach(() => fixture.close());

  it('creates a job again under the id of one just deleted while its secret is still pending deletion', async () => {
    const secrets = new SecretsManagerJobSecrets(
      new SecretsManagerClient({ region: 'ap-northeast-1' }),
      'ns/test/http',
    );
    const api = createSchedulerApi({ ...fixture.apiDeps, secrets });
    const request = (method: string, rawPath: string, body?: unknown) =>
      api({
        rawPath,
        rawQueryString: '',
        headers: { authorization: `Bearer ${fixture.token}` },
        requestContext: { http: { method }, requestId: 'd13' },
        body: body === undefined ? undefined : JSON.stringify(body),
        isBase64Encoded: false,
      } as never);
    const job = { job_id: 'nightly', schedule_type: 'interval', interval: { minutes: 5 }, target_url: targetUrl };

    expect((await request('POST', '/jobs', job)).statusCode).toBe(201);
    expect((await request('DELETE', '/jobs/nightly')).statusCode).toBe(200);
    const again = await request('POST', '/jobs', job);

    expect(again.statusCode).toBe(201);
    const pending = [...model.secrets].filter(([, secret]) => secret.pendingDeletion);
    expect(pending).toHaveLength(1);
    const spec = fixture.scheduler.schedules.get('nightly');
    const outcome = await callJob(
      { ...fixture.callerDeps, secrets },
      { job_id: 'nightly', generation: spec?.generation, scheduled_time: new Date().toISOString() },
    );
    expect(outcome).toMatchObject({ status: 'success' });
  });

  it('reads a replaced generation whose secret is pending deletion as gone, and runs the current one', async () => {
    const secrets = new SecretsManagerJobSecrets(
      new SecretsManagerClient({ region: 'ap-northeast-1' }),
      'ns/test/http',
    );
    const api = createSchedulerApi({ ...fixture.apiDeps, secrets });
    const create = (minutes: number) =>
      api({
        rawPath: '/jobs',
        rawQueryString: '',
        headers: { authorization: `Bearer ${fixture.token}` },
        requestContext: { http: { method: 'POST' }, requestId: 'replace' },
        body: JSON.stringify({
          job_id: 'hourly',
          schedule_type: 'interval',
          interval: { minutes },
          target_url: targetUrl,
          replace_existing: true,
        }),
        isBase64Encoded: false,
      } as never);
    expect((await create(60)).statusCode).toBe(201);
    const firstGeneration = fixture.scheduler.schedules.get('hourly')?.generation as string;
    expect((await create(30)).statusCode).toBe(201);

    expect(await secrets.get({ jobId: 'hourly', generation: firstGeneration })).toBeUndefined();
    // An event the old schedule fired before the replace: the caller runs the job as it is now.
    const outcome = await callJob(
      { ...fixture.callerDeps, secrets },
      { job_id: 'hourly', generation: firstGeneration, scheduled_time: new Date().toISOString() },
    );
    expect(outcome).toMatchObject({ status: 'success' });
  });
});
