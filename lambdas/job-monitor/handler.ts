import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createMonitorApi, type MonitorApiHandler } from './monitor-api';
import { monitorDepsFromEnv } from './ports-from-env';

/** The job monitor API (job reports, job status, expectations, /incidents) from the environment. */
export function createJobReportHandler(env: NodeJS.ProcessEnv = process.env): MonitorApiHandler {
  return createMonitorApi(monitorDepsFromEnv(env));
}

let api: MonitorApiHandler | undefined;

/** Built on the first request, so importing this module (local mode, tests) needs no environment yet. */
export const handler = (event: APIGatewayProxyEventV2) => {
  api ??= createJobReportHandler();
  return api(event);
};
