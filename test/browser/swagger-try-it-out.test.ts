import { type Browser, chromium, type ElementHandle, type Page } from 'playwright-core';
import { openApiDocument } from '../../lambdas/http-scheduler/docs-routes';
import { createSchedulerApi, schedulerRoutes } from '../../lambdas/http-scheduler/scheduler-api';
import type { SchedulerApiDeps } from '../../lambdas/http-scheduler/scheduler-deps';
import { type HttpServer, startHttpServer } from '../../local/http-server';
import { type OpenApiDocument, type PrefilledRequest, prefillRequests } from '../support/openapi-prefill';
import { findChromium, HEADLESS_ARGS } from './find-chromium';

/**
 * Swagger UI at /docs in a real Chromium: "Try it out" on every operation fills in exactly what
 * test/support/openapi-prefill.ts predicts, so the requests test/integration/local-api-examples.test.ts
 * submits are the ones a reader sends. Only the document routes are served: no route handler runs.
 */
const ECHO_URL = 'http://127.0.0.1:3000/echo';
/** Route handlers are never called: /openapi.json and /docs need no ports, only the example target. */
const deps = { exampleTargetUrl: ECHO_URL } as SchedulerApiDeps;

interface Filled {
  route: string;
  parameters: Record<string, string>;
  body?: unknown;
}

async function tryItOut(block: ElementHandle): Promise<Filled> {
  const method = (await block.$eval('.opblock-summary-method', (element) => element.textContent ?? '')).trim();
  const path = await block.$eval('.opblock-summary-path', (element) => element.getAttribute('data-path') ?? '');
  await (await block.$('.opblock-summary-control'))?.click();
  await (await block.waitForSelector('button.try-out__btn')).click();
  const parameters = await block.$$eval('tr[data-param-name]', (rows) =>
    Object.fromEntries(
      rows
        .map((row) => [row.getAttribute('data-param-name'), row.querySelector('input, select')] as const)
        .map(([name, input]) => [name, (input as { value?: string } | null)?.value ?? ''])
        .filter(([, value]) => value !== ''),
    ),
  );
  const body = await block.$('textarea.body-param__text');
  return {
    route: `${method} ${path}`,
    parameters,
    ...(body ? { body: JSON.parse(await body.inputValue()) } : {}),
  };
}

describe('Swagger UI "Try it out"', () => {
  let server: HttpServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const api = createSchedulerApi(deps);
    server = await startHttpServer({ port: 0, handler: (event) => api(event) });
    const found = await findChromium();
    browser = await chromium.launch({ executablePath: found.executablePath, args: HEADLESS_ARGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}/docs`);
    await page.waitForSelector('.opblock');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  // Swagger UI renders each operation on a click: slow on a loaded machine.
  jest.setTimeout(180_000);

  it('fills in every operation with the documented examples, never placeholders', async () => {
    const document = openApiDocument(schedulerRoutes(deps)) as OpenApiDocument;
    const predicted = prefillRequests(document).requests.map(({ route, parameters, body }: PrefilledRequest) => ({
      route,
      parameters,
      ...(body === undefined ? {} : { body }),
    }));

    const filled: Filled[] = [];
    for (const block of await page.$$('.opblock')) filled.push(await tryItOut(block));

    const byRoute = (a: Filled, b: Filled) => a.route.localeCompare(b.route);
    expect(filled.sort(byRoute)).toEqual(predicted.sort(byRoute));
    expect(JSON.stringify(filled)).not.toMatch(/"string"/);
  });
});
