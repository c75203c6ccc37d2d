import { credentialsFromEnv, matchesAnySecret, presentedReadToken } from '../../lambdas/job-monitor/credentials';

describe('job monitor credentials', () => {
  it('matches the current or the previous value only', () => {
    expect(matchesAnySecret('old', ['new', 'old'])).toBe(true);
    expect(matchesAnySecret('older', ['new', 'old'])).toBe(false);
    expect(matchesAnySecret('', [''])).toBe(false);
    expect(matchesAnySecret(undefined, ['new'])).toBe(false);
  });

  it('reads the token of a Bearer header and the password of a Basic header', () => {
    const basic = Buffer.from('someone:pa:ss').toString('base64');

    expect(presentedReadToken('Bearer abc')).toBe('abc');
    expect(presentedReadToken(`basic ${basic}`)).toBe('pa:ss');
    expect(presentedReadToken('Token abc')).toBeUndefined();
  });

  it('reads the Secrets Manager secret when its name is set, ignoring the plain value', async () => {
    const read = jest.fn(async () => ({ current: 'c', previous: '' }));

    const credentials = credentialsFromEnv(
      { JOB_READ_TOKEN_SECRET_NAME: 'nightshift/read', JOB_READ_TOKEN: 'plain' },
      read,
    );

    expect(await credentials.readTokens()).toEqual(['c']);
    expect(read).toHaveBeenCalledWith('nightshift/read');
  });

  it('takes JOB_REPORT_SECRET as the write secret when no secret name is set', async () => {
    expect(await credentialsFromEnv({ JOB_REPORT_SECRET: 'local' }).writeSecrets()).toEqual(['local']);
  });
});
