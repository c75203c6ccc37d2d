import { type HttpRequest, jsonResponse } from '#shared/http/messages';
import { routeRequest } from '#shared/http/router';
import { bearerOrBasicToken, bearerToken, matchesAnySecret, rotatingSecretSource } from '#shared/http/secret-check';

const request = (method: string, rawPath: string): HttpRequest => ({
  method,
  rawPath,
  query: new URLSearchParams(),
  headers: {},
  body: undefined,
});

describe('the HTTP kit both APIs share', () => {
  it('matches the current or the previous value only', () => {
    expect(matchesAnySecret('old', ['new', 'old'])).toBe(true);
    expect(matchesAnySecret('older', ['new', 'old'])).toBe(false);
    expect(matchesAnySecret('', [''])).toBe(false);
    expect(matchesAnySecret(undefined, ['new'])).toBe(false);
  });

  it('reads the token of a Bearer header and the password of a Basic header', () => {
    const basic = Buffer.from('someone:pa:ss').toString('base64');

    expect(bearerOrBasicToken('Bearer abc')).toBe('abc');
    expect(bearerOrBasicToken(`basic ${basic}`)).toBe('pa:ss');
    expect(bearerOrBasicToken('Token abc')).toBeUndefined();
    expect(bearerToken('bearer abc ')).toBe('abc');
    expect(bearerToken(`Basic ${basic}`)).toBeUndefined();
  });

  it('accepts the current and previous values of a rotating secret, skipping empty ones', async () => {
    const read = jest.fn(async () => ({ current: 'c', previous: '', other: 'x' }));

    expect(await rotatingSecretSource('name', 'plain', read)()).toEqual(['c']);
    expect(await rotatingSecretSource(undefined, 'plain', read)()).toEqual(['plain']);
    expect(await rotatingSecretSource(undefined, undefined, read)()).toEqual([]);
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('routes by method and decoded path segments, keeping %2F inside its segment', async () => {
    const routes = [
      {
        method: 'GET' as const,
        path: '/things/{id}',
        handle: async (_r: HttpRequest, params: Record<string, string>) => jsonResponse(200, params),
      },
    ];

    expect(JSON.parse((await routeRequest(routes, request('GET', '/things/a%2Fb'))).body ?? '')).toEqual({ id: 'a/b' });
    expect((await routeRequest(routes, request('POST', '/things/x'))).headers).toMatchObject({ allow: 'GET' });
    expect((await routeRequest(routes, request('GET', '/nothing'))).statusCode).toBe(404);
    expect((await routeRequest(routes, request('GET', '/things/%E0'))).statusCode).toBe(400);
  });
});
