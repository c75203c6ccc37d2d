import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { looksLikeCredential } from '#shared/credential-names';
import { FORBIDDEN_ADDRESS, isAllowListed, isForbiddenAddress } from './address-guard';

/**
 * One HTTP call of a job, guarded: every address a host name resolves to is checked before the
 * connection is made (so DNS cannot smuggle in 127.0.0.1), and redirects are followed by hand so
 * each hop is checked the same way.
 */
export interface OutboundRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** Header names (the job's secret ones) dropped, with every credential-like name, when a redirect leaves the origin. */
  originBoundHeaders?: readonly string[];
  body?: string;
  timeoutMs: number;
  allowHosts: ReadonlySet<string>;
}

export interface OutboundResponse {
  status: number;
  /** The first SNIPPET_BYTES of the body. */
  snippet: string;
  /** The URL that answered, after redirects. */
  finalUrl: string;
}

/** The target (or a redirect) points where jobs may not go: never retried. */
export class AddressRefusedError extends Error {
  override name = 'AddressRefusedError';
}
/** Connection failure, reset or timeout, a response that broke off: retried. */
export class NetworkError extends Error {
  override name = 'NetworkError';
}
/** An answer that cannot be followed, such as a redirect to a Location that is no URL: never retried. */
export class UnusableResponseError extends Error {
  override name = 'UnusableResponseError';
}

export type OutboundCall = (request: OutboundRequest) => Promise<OutboundResponse>;

const MAX_REDIRECTS = 5;
const SNIPPET_BYTES = 1024;
const REDIRECT = new Set([301, 302, 303, 307, 308]);
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const list = addresses as LookupAddress[];
    const refused = list.find((entry) => isForbiddenAddress(entry.address));
    if (refused) {
      return callback(
        new AddressRefusedError(`${hostname} resolves to ${refused.address}: ${FORBIDDEN_ADDRESS}`),
        '',
        0,
      );
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    return callback(null, list[0].address, list[0].family);
  });
};

function sendOnce(url: URL, request: OutboundRequest, method: string, body: string | undefined, signal: AbortSignal) {
  const allowed = isAllowListed(url, request.allowHosts);
  if (!allowed && isForbiddenAddress(url.hostname)) {
    return Promise.reject(new AddressRefusedError(`${url.hostname} ${FORBIDDEN_ADDRESS}`));
  }
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<{ status: number; location?: string; snippet: string }>((resolve, reject) => {
    const outgoing = transport.request(
      url,
      {
        method,
        headers: { ...request.headers, ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }) },
        agent: agents[url.protocol as 'http:' | 'https:'],
        signal,
        ...(allowed ? {} : { lookup: guardedLookup }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept < SNIPPET_BYTES) chunks.push(chunk.subarray(0, SNIPPET_BYTES - kept));
          kept += chunk.length;
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            location: response.headers.location,
            snippet: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        // The body broke off (a Content-Length never sent, a reset) or the timeout cut it short.
        response.on('error', (error) => reject(networkError(error, signal, request.timeoutMs)));
      },
    );
    outgoing.on('error', (error) => {
      if (error instanceof AddressRefusedError) reject(error);
      else reject(networkError(error, signal, request.timeoutMs));
    });
    outgoing.end(body);
  });
}

function networkError(error: Error, signal: AbortSignal, timeoutMs: number): NetworkError {
  if (signal.aborted) return new NetworkError(`timed out after ${timeoutMs} ms`);
  return new NetworkError(`${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}`);
}

/** The next hop of a redirect; a Location that is no URL is the target's fault. */
function redirectTarget(location: string, from: URL): URL {
  try {
    return new URL(location, from);
  } catch {
    throw new UnusableResponseError(`redirect to "${location.slice(0, 200)}", which is not a URL`);
  }
}

export const guardedFetch: OutboundCall = async (request) => {
  const signal = AbortSignal.timeout(request.timeoutMs);
  let url = new URL(request.url);
  let { method, body } = request;
  let headers = request.headers;
  for (let hop = 0; ; hop += 1) {
    const answer = await sendOnce(url, { ...request, headers }, method, body, signal);
    if (!REDIRECT.has(answer.status) || !answer.location) {
      return { status: answer.status, snippet: answer.snippet, finalUrl: url.toString() };
    }
    if (hop >= MAX_REDIRECTS) throw new NetworkError(`more than ${MAX_REDIRECTS} redirects`);
    const next = redirectTarget(answer.location, url);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new AddressRefusedError(`redirect to ${next.protocol} is not followed`);
    }
    if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
    if (next.origin !== url.origin) {
      // As browsers drop Authorization: no credential of the target follows it to another origin.
      const bound = new Set((request.originBoundHeaders ?? []).map((name) => name.toLowerCase()));
      headers = Object.fromEntries(
        Object.entries(headers).filter(([name]) => !bound.has(name.toLowerCase()) && !looksLikeCredential(name)),
      );
    }
    url = next;
  }
};
