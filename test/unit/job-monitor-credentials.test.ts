import { credentialsFromEnv } from '../../lambdas/job-monitor/credentials';

describe('job monitor credentials', () => {
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
