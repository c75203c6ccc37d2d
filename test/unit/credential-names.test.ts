import { looksLikeCredential } from '../../lambdas/shared/credential-names';
import { redactSecrets } from '../../lambdas/shared/logger';

/** One rule decides what is a credential: the logger redacts exactly what the HTTP scheduler keeps secret. */
const CREDENTIAL_NAMES = [
  'Authorization',
  'Proxy-Authorization',
  'Cookie',
  'X-Api-Key',
  'Api-Key',
  'api_key',
  'X-Auth-Token',
  'X-Amz-Security-Token',
  'Private-Token',
  'X-Auth',
  'X-Session-Id',
  'X-Access-Key',
  'password',
  'client_secret',
  'privateKey',
  'credentials',
];
const PLAIN_NAMES = [
  'Content-Type',
  'Accept',
  'User-Agent',
  'X-Tenant',
  'X-Request-Id',
  'X-Author',
  'rejectUnauthorized',
  'job_id',
  'status',
];

describe('credential-like names', () => {
  it.each(CREDENTIAL_NAMES)('treats %s as a credential', (name) => {
    expect(looksLikeCredential(name)).toBe(true);
  });

  it.each(PLAIN_NAMES)('treats %s as plain', (name) => {
    expect(looksLikeCredential(name)).toBe(false);
  });

  it('is the rule the logger redacts by', () => {
    for (const name of [...CREDENTIAL_NAMES, ...PLAIN_NAMES]) {
      const logged = redactSecrets(name, 'value');
      expect([name, logged]).toEqual([name, looksLikeCredential(name) ? '[REDACTED]' : 'value']);
    }
  });
});
