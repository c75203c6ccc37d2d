import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type Route, serveRoutes } from '#shared/http/router';
import { deleteExpectation, getExpectation, putExpectation } from './expectation-routes';
import { deleteJob, muteJob, unmuteJob } from './lifecycle-routes';
import type { MonitorApiDeps } from './monitor-deps';
import { showIncidents, showJobPage } from './page-routes';
import { listJobRuns, listJobs } from './read-routes';
import { reportJob } from './report-route';
import { startJob } from './start-route';

export type { MonitorApiDeps } from './monitor-deps';

export type MonitorApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** Every route of the monitor API; the HTTP API sends `ANY /api/monitor/{proxy+}` and `GET /incidents`, `GET /incidents/{proxy+}` here. */
export function monitorRoutes(deps: MonitorApiDeps): Route[] {
  const jobPath = '/api/monitor/jobs/{job_key}';
  const expectationPath = `${jobPath}/expectation`;
  // No schemas here: they would pull zod into this bundle; the OpenAPI document adds them (#shared/http/monitor-route-docs).
  return [
    { method: 'POST', path: '/api/monitor/job-report', handle: (request) => reportJob(deps, request) },
    { method: 'POST', path: '/api/monitor/job-start', handle: (request) => startJob(deps, request) },
    { method: 'GET', path: '/api/monitor/jobs', handle: (request) => listJobs(deps, request) },
    { method: 'GET', path: '/api/monitor/jobs/{job_key}/runs', handle: (r, params) => listJobRuns(deps, r, params) },
    { method: 'GET', path: expectationPath, handle: (request, params) => getExpectation(deps, request, params) },
    { method: 'PUT', path: expectationPath, handle: (request, params) => putExpectation(deps, request, params) },
    { method: 'DELETE', path: expectationPath, handle: (request, params) => deleteExpectation(deps, request, params) },
    { method: 'DELETE', path: jobPath, handle: (request, params) => deleteJob(deps, request, params) },
    { method: 'POST', path: `${jobPath}/mute`, handle: (request, params) => muteJob(deps, request, params) },
    { method: 'DELETE', path: `${jobPath}/mute`, handle: (request, params) => unmuteJob(deps, request, params) },
    { method: 'GET', path: '/incidents', handle: (request) => showIncidents(deps, request) },
    { method: 'GET', path: '/incidents/jobs/{job_key}', handle: (r, params) => showJobPage(deps, r, params) },
  ];
}

export function createMonitorApi(deps: MonitorApiDeps): MonitorApiHandler {
  return serveRoutes(monitorRoutes(deps), deps.logger);
}
