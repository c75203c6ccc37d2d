import { handler as jobMonitorHandler } from '../lambdas/job-monitor/handler';
import { ECHO_PATH } from './echo-target';
import { combineHandlers, type LocalHttpScheduler, startLocalHttpScheduler } from './http-scheduler-local';
import { type HttpApiHandler, type HttpServer, startHttpServer } from './http-server';

/**
 * Local mode's one HTTP server: the job monitor and the HTTP job scheduler as API Gateway routes
 * them, plus the echo target. `npm start` and the tests that submit the documented examples start
 * it the same way. The job monitor reads its settings from process.env on its first request.
 */
export interface LocalApi {
  /** e.g. `http://127.0.0.1:3000` */
  readonly url: string;
  /** e.g. `http://127.0.0.1:3000/echo`: the one loopback URL HTTP jobs may call by default. */
  readonly echoUrl: string;
  readonly httpJobs: LocalHttpScheduler;
  close(): Promise<void>;
}

export interface LocalApiOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly env: Record<string, string>;
  /** Where the HTTP scheduler keeps its encrypted job secrets. */
  readonly dataDir: string;
  readonly log: (line: string) => void;
}

const notYetServing: HttpApiHandler = async () => ({
  statusCode: 503,
  body: JSON.stringify({ message: 'Service Unavailable' }),
});

export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  // The echo target's URL holds the port, known once the server listens: the routes are set after.
  let routes = notYetServing;
  const server: HttpServer = await startHttpServer({ port: options.port, handler: (event, ctx) => routes(event, ctx) });
  const echoUrl = `${server.url}${ECHO_PATH}`;
  let httpJobs: LocalHttpScheduler;
  try {
    httpJobs = await startLocalHttpScheduler(options.env, options.dataDir, options.log, { echoUrl });
  } catch (error) {
    await server.close();
    throw error;
  }
  routes = combineHandlers(jobMonitorHandler, httpJobs.handler);
  return {
    url: server.url,
    echoUrl,
    httpJobs,
    close: async () => {
      httpJobs.stop();
      await server.close();
    },
  };
}
