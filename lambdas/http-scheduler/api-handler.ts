import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { schedulerApiDepsFromEnv } from './ports-from-env';
import { createSchedulerApi, type SchedulerApiHandler } from './scheduler-api';

let api: SchedulerApiHandler | undefined;

/** The HTTP job scheduler API (and /openapi.json, /docs), built on the first request. */
export const handler = (event: APIGatewayProxyEventV2) => {
  api ??= createSchedulerApi(schedulerApiDepsFromEnv());
  return api(event);
};
