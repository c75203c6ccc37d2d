import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type MonitorFixture, startMonitorFixture, validReport } from './job-monitor-fixture';

/** DELETE /api/monitor/jobs/{job_key}, and muting and unmuting a job, against the local API. */
describe('job lifecycle API', () => {
  let api: MonitorFixture;
  beforeEach(async () => {
    api = await startMonitorFixture({ now: new Date('2025-08-11T00:00:00Z') });
  });
  afterEach(async () => {
    await api.close();
  });

  /** Every item stored for a job: its partition (latest status, history) plus its expectation and mute rows. */
  async function storedFor(jobKey: string): Promise<string[]> {
    const partition = await api.db.send(
      new QueryCommand({
        TableName: api.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `JOB#${jobKey}` },
      }),
    );
    const rows = (partition.Items ?? []).map((item) => String(item.sk).replace(/#.*/, '#…'));
    if (await api.store.expectations.get(jobKey)) rows.push('EXPECTATION');
    if (await api.mutes.get(jobKey)) rows.push('MUTE');
    return rows.sort();
  }

  const minutesAgo = (minutes: number) => new Date(api.clock.now.getTime() - minutes * 60_000).toISOString();

  describe('DELETE /api/monitor/jobs/{job_key}', () => {
    it('removes the latest status, every history row, the expectation and the mute', async () => {
      for (const minutes of [30, 20, 10]) await api.report(validReport(api, { finished_at: minutesAgo(minutes) }));
      await api.write('PUT', '/api/monitor/jobs/minpaku-in-report/expectation', { every_minutes: 60 });
      await api.write('POST', '/api/monitor/jobs/minpaku-in-report/mute', { until: 'PT2H', reason: '移行作業中' });
      expect(await storedFor('minpaku-in-report')).toEqual([
        'EXPECTATION',
        'LATEST',
        'MUTE',
        'RUN#…',
        'RUN#…',
        'RUN#…',
      ]);

      const response = await api.write('DELETE', '/api/monitor/jobs/minpaku-in-report');

      expect(response).toEqual({
        status: 200,
        json: { success: true, job_key: 'minpaku-in-report', deleted: true, history_deleted: 3 },
      });
      expect(await storedFor('minpaku-in-report')).toEqual([]);
      const list = (await (await api.read('/api/monitor/jobs')).json()) as { jobs: { job_key: string }[] };
      expect(list.jobs.map((job) => job.job_key)).toEqual([]);
    });

    it('lets a later report create the job afresh: a new status id and only the new run in its history', async () => {
      const first = await api.report(validReport(api, { status: 'error', finished_at: minutesAgo(10) }));
      await api.write('DELETE', '/api/monitor/jobs/minpaku-in-report');

      const again = await api.report(validReport(api, { finished_at: minutesAgo(1) }));

      expect(again.json.id).not.toEqual(first.json.id);
      const runs = (await (await api.read('/api/monitor/jobs/minpaku-in-report/runs')).json()) as {
        runs: { status: string }[];
      };
      expect(runs.runs.map((run) => run.status)).toEqual(['success']);
    });

    it('deletes a job that only has an expectation (it never reported)', async () => {
      await api.write('PUT', '/api/monitor/jobs/nightly/expectation', { cron: '0 3 * * *' });

      const response = await api.write('DELETE', '/api/monitor/jobs/nightly');

      expect(response.status).toBe(200);
      expect(await storedFor('nightly')).toEqual([]);
    });

    it('deletes a job that has only a run in flight (a job-start, no report yet)', async () => {
      const started = await api.write('POST', '/api/monitor/job-start', { job_key: 'long-export', title: '長い出力' });
      expect(started.status).toBe(200);

      const response = await api.write('DELETE', '/api/monitor/jobs/long-export');

      expect(response.status).toBe(200);
      expect(await storedFor('long-export')).toEqual([]);
    });

    it('answers 404 for a job it does not know', async () => {
      const response = await api.write('DELETE', '/api/monitor/jobs/no-such-job');

      expect(response).toEqual({
        status: 404,
        json: { error: 'job_key "no-such-job" is not known (no status, history or expectation)' },
      });
    });

    it('refuses a request without the write secret and keeps the job', async () => {
      await api.report(validReport(api));

      const wrong = await api.write('DELETE', '/api/monitor/jobs/minpaku-in-report', undefined, {
        'x-tc-portal-webhook-secret': 'wrong',
      });
      const reader = await api.write('DELETE', '/api/monitor/jobs/minpaku-in-report', undefined, {
        authorization: `Bearer ${api.readToken}`,
      });

      expect([wrong.status, reader.status]).toEqual([401, 401]);
      expect(await storedFor('minpaku-in-report')).toEqual(['LATEST', 'RUN#…']);
    });

    it('refuses a job_key that could not have been reported, naming it', async () => {
      const response = await api.write('DELETE', `/api/monitor/jobs/${encodeURIComponent(' padded ')}`);

      expect(response).toEqual({ status: 400, json: { error: 'job_key must not start or end with white space' } });
    });

    it('waits for a report still being written, then writes out and deletes a run its report abandoned', async () => {
      await api.report(validReport(api, { finished_at: minutesAgo(10) }));
      // The second report commits its latest status, then its history write fails (the 3rd DynamoDB call).
      api.dynamoFaults.calls = 0;
      api.dynamoFaults.failOnCall = 3;
      expect((await api.report(validReport(api, { status: 'error', finished_at: minutesAgo(5) }))).status).toBe(500);
      api.dynamoFaults.failOnCall = undefined;
      expect((await api.store.listLatestSummaries())[0].parkedRunIds?.size).toBe(1);

      // Parked a moment ago: its report may still write its history row, so the delete does not race it.
      const meanwhile = await api.write('DELETE', '/api/monitor/jobs/minpaku-in-report');
      expect(meanwhile).toEqual({
        status: 409,
        json: { error: 'job_key "minpaku-in-report" kept receiving reports while it was being deleted; try again' },
      });
      expect(await storedFor('minpaku-in-report')).toEqual(['LATEST', 'RUN#…']);

      api.clock.now = new Date(api.clock.now.getTime() + 2 * 60_000);
      expect((await api.write('DELETE', '/api/monitor/jobs/minpaku-in-report')).status).toBe(200);
      expect(await storedFor('minpaku-in-report')).toEqual([]);
    });

    it('leaves either no trace of a report that races it or the whole job, never a status without its history', async () => {
      for (let round = 0; round < 8; round += 1) {
        const jobKey = `race-${round}`;
        await api.report(validReport(api, { job_key: jobKey, finished_at: minutesAgo(20) }));
        const racing = validReport(api, { job_key: jobKey, status: 'error', finished_at: minutesAgo(1) });

        const [deleted, reported] = await Promise.all([
          api.write('DELETE', `/api/monitor/jobs/${jobKey}`),
          api.report(racing),
        ]);

        expect([deleted.status, reported.status]).toEqual([200, 200]);
        const stored = await storedFor(jobKey);
        // Wholly before the delete (all gone) or wholly after it (a fresh job with that one run).
        expect([[], ['LATEST', 'RUN#…']]).toContainEqual(stored);
        if (stored.length > 0) {
          const latest = await api.store.getLatest(jobKey);
          const { runs } = await api.store.listRuns(jobKey);
          expect(runs.map((run) => run.runId)).toEqual([latest?.lastRunId]);
        }
      }
    });
  });

  describe('POST and DELETE /api/monitor/jobs/{job_key}/mute', () => {
    const mute = (body: unknown, jobKey = 'minpaku-in-report') =>
      api.write('POST', `/api/monitor/jobs/${jobKey}/mute`, body);

    it('mutes a job until a time, and shows it muted with the reason in the job list', async () => {
      await api.report(validReport(api));

      const response = await mute({ until: '2025-08-11T18:00:00+09:00', reason: 'FTP 移行作業中' });

      expect(response).toEqual({
        status: 200,
        json: {
          success: true,
          job_key: 'minpaku-in-report',
          muted: { until: '2025-08-11T09:00:00.000Z', reason: 'FTP 移行作業中' },
        },
      });
      const list = (await (await api.read('/api/monitor/jobs')).json()) as { jobs: Record<string, unknown>[] };
      expect(list.jobs[0].muted).toEqual({ until: '2025-08-11T09:00:00.000Z', reason: 'FTP 移行作業中' });
    });

    it('reads until as an ISO 8601 duration from now', async () => {
      await api.report(validReport(api));

      const response = await mute({ until: 'P1DT2H', reason: 'upstream down' });

      expect(response.json.muted).toEqual({ until: '2025-08-12T02:00:00.000Z', reason: 'upstream down' });
    });

    it.each([
      [{ reason: 'x' }, 'until is required'],
      [
        { until: 3600, reason: 'x' },
        'until must be an ISO 8601 time or duration (e.g. "2026-12-03T09:00:00+09:00" or "PT2H")',
      ],
      [
        { until: 'tomorrow', reason: 'x' },
        'until must be an ISO 8601 time or duration (e.g. "2026-12-03T09:00:00+09:00" or "PT2H")',
      ],
      [
        { until: '2025-08-10T23:59:00Z', reason: 'x' },
        'until must be in the future (server time 2025-08-11T00:00:00.000Z)',
      ],
      [
        { until: 'P31D', reason: 'x' },
        expect.stringMatching(/^until must be at most 30 days ahead \(before 2025-09-10T00:00:00.000Z\)/),
      ],
      [{ until: 'PT2H' }, 'reason is required'],
      [{ until: 'PT2H', reason: '   ' }, 'reason must not be blank'],
      [{ until: 'PT2H', reason: 'x'.repeat(201) }, 'reason must be at most 200 characters'],
      [{ until: 'PT2H', reason: 'line\nbreak' }, 'reason must not contain control characters'],
      ['not json', 'Invalid JSON body'],
    ])('refuses %j with 400 "%s" and stores no mute', async (body, error) => {
      await api.report(validReport(api));

      const response = await mute(body);

      expect(response).toEqual({ status: 400, json: { error } });
      expect(await api.mutes.get('minpaku-in-report')).toBeUndefined();
    });

    it('answers 404 for muting or unmuting a job it does not know, and stores nothing', async () => {
      const muted = await mute({ until: 'PT2H', reason: 'x' }, 'no-such-job');
      const unmuted = await api.write('DELETE', '/api/monitor/jobs/no-such-job/mute');

      expect([muted.status, unmuted.status]).toEqual([404, 404]);
      expect(await api.mutes.list()).toEqual([]);
    });

    it('refuses muting without the write secret', async () => {
      await api.report(validReport(api));

      const response = await api.write(
        'POST',
        '/api/monitor/jobs/minpaku-in-report/mute',
        { until: 'PT2H', reason: 'x' },
        { authorization: `Bearer ${api.readToken}` },
      );

      expect(response.status).toBe(401);
      expect(await api.mutes.get('minpaku-in-report')).toBeUndefined();
    });

    it('records a muted job’s error report but does not count it toward the alarm', async () => {
      await api.report(validReport(api));
      await mute({ until: 'PT2H', reason: '既知の障害' });

      const stored = await api.report(validReport(api, { status: 'error', finished_at: minutesAgo(0) }));

      expect(stored.status).toBe(200);
      expect((await api.store.getLatest('minpaku-in-report'))?.lastStatus).toBe('error');
      expect(api.reportedErrors).toEqual([]);
    });

    it('counts errors again once the mute has expired, with nothing to do', async () => {
      await api.report(validReport(api));
      await mute({ until: 'PT1H', reason: '既知の障害' });
      api.clock.now = new Date(api.clock.now.getTime() + 61 * 60_000);

      await api.report(validReport(api, { status: 'error', finished_at: minutesAgo(0) }));

      expect(api.reportedErrors).toEqual(['minpaku-in-report']);
    });

    it('publishes a still failing job’s error and the late total at once when it is unmuted', async () => {
      await api.report(validReport(api));
      await mute({ until: 'PT2H', reason: '既知の障害' });
      await api.report(validReport(api, { status: 'error', finished_at: minutesAgo(0) }));
      expect(api.reportedErrors).toEqual([]);

      const response = await api.write('DELETE', '/api/monitor/jobs/minpaku-in-report/mute');

      expect(response).toEqual({
        status: 200,
        json: { success: true, job_key: 'minpaku-in-report', muted: null, was_muted: true },
      });
      expect(api.reportedErrors).toEqual(['minpaku-in-report']);
      expect(api.lateMetrics.lateJobs).toEqual([0]);
      expect(await api.mutes.get('minpaku-in-report')).toBeUndefined();
    });

    it('publishes a late job as late at once when it is unmuted, and counts it in LateJobs', async () => {
      await api.write('PUT', '/api/monitor/jobs/nightly/expectation', { every_minutes: 10, grace_minutes: 0 });
      const summary = (await api.store.expectations.get('nightly')) as { jobKey: string };
      await api.store.expectations.markNeverReportedLate(summary.jobKey, minutesAgo(0));
      await mute({ until: 'PT2H', reason: 'x' }, 'nightly');

      await api.write('DELETE', '/api/monitor/jobs/nightly/mute');

      expect(api.lateMetrics).toEqual({ jobLate: ['nightly'], jobHung: [], lateJobs: [1] });
    });

    it('unmutes a job that is not muted without publishing anything', async () => {
      await api.report(validReport(api, { status: 'error' }));
      api.reportedErrors.length = 0;

      const response = await api.write('DELETE', '/api/monitor/jobs/minpaku-in-report/mute');

      expect(response.json).toMatchObject({ success: true, was_muted: false });
      expect(api.reportedErrors).toEqual([]);
    });
  });
});
