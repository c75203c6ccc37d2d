import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { errorResponse, type HttpRequest, type HttpResponse, htmlResponse, jsonResponse } from '#shared/http/messages';
import { MONITOR_ROUTE_DOCS } from '#shared/http/monitor-route-docs';
import { buildOpenApiDocument, type DocumentedRoute } from '#shared/http/openapi';

/**
 * `GET /openapi.json` (one OpenAPI 3.1 document for the whole HTTP API: the job monitor and the
 * HTTP job scheduler) and Swagger UI at `/docs`, its assets served from swagger-ui-dist by this
 * same function (copied next to the bundle on AWS).
 */
export function openApiDocument(schedulerRoutes: readonly DocumentedRoute[]) {
  return buildOpenApiDocument(
    {
      title: 'nightshift HTTP API',
      version: '1.0.0',
      description:
        'The job monitor (job reports, job status, status page) and the HTTP job scheduler (jobs that call a URL on a schedule).',
    },
    [...MONITOR_ROUTE_DOCS, ...schedulerRoutes],
  );
}

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
};

/** Next to the Lambda bundle (copied at bundling), else the installed package (local mode, tests). */
function assetDirectory(): string | undefined {
  const bundled = path.join(__dirname, 'swagger-ui');
  if (existsSync(bundled)) return bundled;
  try {
    return path.dirname(require.resolve('swagger-ui-dist/package.json'));
  } catch {
    return undefined;
  }
}

const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nightshift HTTP API</title>
<link rel="stylesheet" href="./docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="./docs/swagger-ui-bundle.js"></script>
<script src="./docs/swagger-ui-standalone-preset.js"></script>
<script src="./docs/swagger-initializer.js"></script>
</body></html>`;

/** The page's relative URLs resolve from /docs, so the document is found behind any base path. */
const INITIALIZER = `window.ui = SwaggerUIBundle({
  url: new URL('openapi.json', window.location.href).toString(),
  dom_id: '#swagger-ui',
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});`;

/**
 * `/docs/` would resolve the page's relative URLs under `/docs/docs/`: it is sent to `/docs` by a
 * relative redirect, which keeps any base path in front.
 */
export function showDocsPage(request: HttpRequest): HttpResponse {
  if (request.rawPath.endsWith('/')) {
    return { statusCode: 308, headers: { location: '../docs', 'cache-control': 'no-store' }, body: '' };
  }
  return htmlResponse(200, PAGE, { 'content-security-policy': DOCS_CSP });
}

const cache = new Map<string, string>();

export function serveDocsAsset(file: string): HttpResponse {
  if (file === 'swagger-initializer.js') {
    return { statusCode: 200, headers: { 'content-type': ASSETS['swagger-ui-bundle.js'] }, body: INITIALIZER };
  }
  const contentType = ASSETS[file];
  const directory = assetDirectory();
  if (!contentType || !directory) return errorResponse(404, `no docs asset "${file}"`);
  let body = cache.get(file);
  if (body === undefined) {
    body = readFileSync(path.join(directory, file), 'utf8');
    cache.set(file, body);
  }
  return { statusCode: 200, headers: { 'content-type': contentType, 'cache-control': 'public, max-age=86400' }, body };
}

export function serveOpenApi(document: unknown): HttpResponse {
  return jsonResponse(200, document);
}
