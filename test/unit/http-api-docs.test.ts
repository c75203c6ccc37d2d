import { openApiDocument } from '../../lambdas/http-scheduler/docs-routes';
import { schedulerRoutes } from '../../lambdas/http-scheduler/scheduler-api';
import type { SchedulerApiDeps } from '../../lambdas/http-scheduler/scheduler-deps';
import { monitorRoutes } from '../../lambdas/job-monitor/monitor-api';
import type { MonitorApiDeps } from '../../lambdas/job-monitor/monitor-deps';
import { withMonitorDocs } from '../../lambdas/shared/http/monitor-route-docs';

/** Route handlers are never called here: the tables are read for their declarations only. */
const monitor = withMonitorDocs(monitorRoutes({} as MonitorApiDeps));
const scheduler = schedulerRoutes({} as SchedulerApiDeps);

describe('the one OpenAPI document of the HTTP API', () => {
  it('documents every route of the job monitor and of the scheduler, with its schemas', () => {
    const undocumented = [...monitor, ...scheduler].filter((route) => !route.docs).map((r) => `${r.method} ${r.path}`);
    expect(undocumented).toEqual([]);
  });

  it('lists exactly the routes the route tables serve', () => {
    const document = openApiDocument(scheduler);
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const served = [...monitor, ...scheduler].map((route) => `${route.method} ${route.path}`);
    expect(documented.sort()).toEqual(served.sort());
  });

  it('describes the job request with its limits and the admin bearer scheme', () => {
    const document = openApiDocument(scheduler);
    const create = document.paths['/jobs'].post as {
      security: unknown;
      requestBody: { content: Record<string, { schema: { properties: Record<string, Record<string, unknown>> } }> };
    };
    expect(create.security).toEqual([{ adminBearer: [] }]);
    const properties = create.requestBody.content['application/json'].schema.properties;
    expect(properties.schedule_type.enum).toEqual(['cron', 'interval', 'date']);
    expect(properties.max_retries).toMatchObject({ maximum: 10, default: 3 });
    expect(properties.timeout_sec).toMatchObject({ maximum: 60 });
    expect(JSON.stringify(document)).not.toContain('$defs');
  });

  it('types the cron and interval objects field by field, and refuses unknown fields in them and in the job', () => {
    const document = openApiDocument(scheduler);
    const create = document.paths['/jobs'].post as {
      requestBody: { content: Record<string, { schema: Record<string, unknown> }> };
    };
    const job = create.requestBody.content['application/json'].schema as {
      additionalProperties: unknown;
      properties: Record<string, { properties?: Record<string, unknown>; additionalProperties?: unknown }>;
    };
    expect(job.additionalProperties).toBe(false);
    expect(Object.keys(job.properties.cron.properties ?? {})).toEqual([
      'minute',
      'hour',
      'day',
      'month',
      'day_of_week',
    ]);
    expect(job.properties.cron.additionalProperties).toBe(false);
    expect(job.properties.cron.properties?.hour).toMatchObject({ anyOf: [{ type: 'string' }, { type: 'integer' }] });
    expect(Object.keys(job.properties.interval.properties ?? {})).toEqual(['weeks', 'days', 'hours', 'minutes']);
  });

  it('documents the 500 every route may answer, and the 413 and 502 of POST /jobs', () => {
    const document = openApiDocument(scheduler);
    for (const [path, operations] of Object.entries(document.paths).filter(([path]) => path.startsWith('/jobs'))) {
      for (const [method, operation] of Object.entries(operations)) {
        const responses = (operation as { responses: Record<string, unknown> }).responses;
        expect([method, path, Object.keys(responses)]).toEqual([method, path, expect.arrayContaining(['500'])]);
      }
    }
    const create = document.paths['/jobs'].post as { responses: Record<string, { content?: unknown }> };
    expect(create.responses['413'].content).toBeDefined();
    expect(create.responses['502'].content).toBeDefined();
  });
});
