import { z } from 'zod';
import { openApiDocument } from '../../lambdas/http-scheduler/docs-routes';
import { schedulerRoutes } from '../../lambdas/http-scheduler/scheduler-api';
import type { SchedulerApiDeps } from '../../lambdas/http-scheduler/scheduler-deps';
import { monitorRoutes } from '../../lambdas/job-monitor/monitor-api';
import type { MonitorApiDeps } from '../../lambdas/job-monitor/monitor-deps';
import { withMonitorDocs } from '../../lambdas/shared/http/monitor-route-docs';
import { buildOpenApiDocument } from '../../lambdas/shared/http/openapi';
import { type OpenApiDocument, prefillRequests } from '../support/openapi-prefill';

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

  it('gives every operation the examples Swagger UI prefills: each path parameter and each request body', () => {
    const { problems, requests } = prefillRequests(openApiDocument(scheduler) as OpenApiDocument);

    expect(problems).toEqual([]);
    expect(requests.find((request) => request.route === 'POST /jobs')?.body).toMatchObject({
      job_id: 'hello',
      schedule_type: 'cron',
      target_url: 'https://example.com/',
    });
    expect(requests.find((request) => request.route === 'GET /jobs/{job_id}/runs')?.path).toBe(
      '/jobs/hello/runs?limit=20',
    );
  });

  it('puts the echo target of local mode into the POST /jobs example when given', () => {
    const local = schedulerRoutes({ exampleTargetUrl: 'http://127.0.0.1:3000/echo' } as SchedulerApiDeps);
    const { requests } = prefillRequests(openApiDocument(local) as OpenApiDocument);

    expect(requests.find((request) => request.route === 'POST /jobs')?.body).toMatchObject({
      target_url: 'http://127.0.0.1:3000/echo',
    });
  });

  it('names the route and the part that has no example, for a route added without one', () => {
    const document = buildOpenApiDocument({ title: 't', version: '1', description: 'd' }, [
      {
        method: 'POST',
        path: '/api/monitor/jobs/{job_key}/start',
        docs: {
          summary: 'a route documented without examples',
          tag: 't',
          security: 'webhookSecret',
          params: z.object({ job_key: z.string() }),
          body: z.object({ started_at: z.string() }),
          responses: { 200: { description: 'ok' } },
        },
      },
    ]);

    expect(prefillRequests(document as OpenApiDocument).problems).toEqual([
      'POST /api/monitor/jobs/{job_key}/start: path parameter job_key has no example',
      'POST /api/monitor/jobs/{job_key}/start: the request body has no example',
    ]);
  });
});
