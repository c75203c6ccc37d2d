import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type Route, serveRoutes } from '#shared/http/router';
import { schedulerDocs } from './api-schemas';
import { createJob } from './create-job';
import { openApiDocument, serveDocsAsset, serveOpenApi, showDocsPage } from './docs-routes';
import { deleteJob, getJob, listJobs, listRuns, pauseJob, resumeJob, runJobNow } from './job-routes';
import type { SchedulerApiDeps } from './scheduler-deps';

export type SchedulerApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** The HTTP job scheduler's route table; the HTTP API sends `/jobs`, `/jobs/{proxy+}`, `/openapi.json` and `/docs` here. */
export function schedulerRoutes(deps: SchedulerApiDeps): Route[] {
  const job = '/jobs/{job_id}';
  const docs = schedulerDocs(deps.exampleTargetUrl);
  return [
    { method: 'POST', path: '/jobs', handle: (r) => createJob(deps, r), docs: docs.create },
    { method: 'GET', path: '/jobs', handle: (r) => listJobs(deps, r), docs: docs.list },
    { method: 'GET', path: job, handle: (r, p) => getJob(deps, r, p), docs: docs.get },
    { method: 'DELETE', path: job, handle: (r, p) => deleteJob(deps, r, p), docs: docs.delete },
    { method: 'POST', path: `${job}/pause`, handle: (r, p) => pauseJob(deps, r, p), docs: docs.pause },
    { method: 'POST', path: `${job}/resume`, handle: (r, p) => resumeJob(deps, r, p), docs: docs.resume },
    { method: 'POST', path: `${job}/run`, handle: (r, p) => runJobNow(deps, r, p), docs: docs.run },
    { method: 'GET', path: `${job}/runs`, handle: (r, p) => listRuns(deps, r, p), docs: docs.runs },
  ];
}

export function createSchedulerApi(deps: SchedulerApiDeps): SchedulerApiHandler {
  const jobRoutes = schedulerRoutes(deps);
  const document = openApiDocument(jobRoutes);
  const routes: Route[] = [
    ...jobRoutes,
    { method: 'GET', path: '/openapi.json', handle: async () => serveOpenApi(document) },
    { method: 'GET', path: '/docs', handle: async (request) => showDocsPage(request) },
    { method: 'GET', path: '/docs/{file}', handle: async (_r, params) => serveDocsAsset(params.file) },
  ];
  return serveRoutes(routes, deps.logger);
}
