import { JOBS } from '../../lib/jobs';
import { runJobLocally } from '../../local/run-job';

beforeAll(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  delete process.env.JOB_STATUS_TABLE; // nothing to record: this only checks the wiring
});

describe('every registry entry', () => {
  it.each(JOBS.map((spec) => [spec.id, spec] as const))(
    '%s: its handler runs the job of the same id and names a bad payload',
    async (id, spec) => {
      const outcome = await runJobLocally(spec, 'not-a-payload-object');

      expect(outcome.jobId).toBe(id);
      expect(outcome.status).toBe('error');
      expect(outcome.message).toMatch(/^invalid payload: payload: /);
    },
  );
});
