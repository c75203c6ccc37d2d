import { ftpTargetFromEnv, ftpTargetFromSecret, recipientSecretName } from '../../lambdas/ftp-export/ftp-target';
import { parseJobSettings } from '../../lambdas/ftp-export/settings';

const [defaultRecipient] = parseJobSettings(undefined).recipients;
const [acme] = parseJobSettings(JSON.stringify({ recipients: [{ name: 'acme' }] })).recipients;

describe('FTP targets', () => {
  it('reads the default recipient from FTP_HOST and friends, explicit FTPS with verification by default', () => {
    const target = ftpTargetFromEnv({ FTP_HOST: 'ftp.example.jp', FTP_USER: 'u', FTP_PASSWORD: 'p' });

    expect(target).toEqual({
      host: 'ftp.example.jp',
      port: 21,
      user: 'u',
      password: 'p',
      secure: true,
      remoteDir: '/',
      rejectUnauthorized: true,
    });
  });

  it('names each bad FTP_ variable', () => {
    expect(() =>
      ftpTargetFromEnv({ FTP_HOST: 'h', FTP_USER: 'u', FTP_PASSWORD: 'p', FTP_SECURE: 'yes', FTP_PORT: 'x' }),
    ).toThrow('FTP_SECURE: must be true, implicit or false; FTP_PORT: must be a port number');
  });

  it('defaults the port of implicit FTPS to 990', () => {
    const target = ftpTargetFromSecret('nightshift/ftp', { host: 'h', user: 'u', password: 'p', secure: 'implicit' });

    expect(target.port).toBe(990);
  });

  it('names the secret and field of a bad secret without echoing values', () => {
    const message = (() => {
      try {
        ftpTargetFromSecret('nightshift/ftp/acme', { host: 'h', user: 'u', password: 'hunter2', port: 'abc' });
        return 'no error';
      } catch (error) {
        return (error as Error).message;
      }
    })();

    expect(message).toMatch(/^FTP secret "nightshift\/ftp\/acme": port: /);
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('abc');
  });

  it('uses FTP_HOST for the default recipient even when FTP_SECRET_NAME is set', () => {
    expect(recipientSecretName(defaultRecipient, { FTP_HOST: 'h', FTP_SECRET_NAME: 'nightshift/ftp' })).toBeUndefined();
  });

  it('reads a configured recipient from the secret under the FTP_SECRET_NAME prefix', () => {
    expect(recipientSecretName(acme, { FTP_SECRET_NAME: 'nightshift/ftp' })).toBe('nightshift/ftp/acme');
  });

  it('refuses an explicit secret name outside the granted prefix', () => {
    const [other] = parseJobSettings(
      JSON.stringify({ recipients: [{ name: 'acme', secretName: 'prod/db' }] }),
    ).recipients;

    expect(() => recipientSecretName(other, { FTP_SECRET_NAME: 'nightshift/ftp' })).toThrow(
      'JOB_SETTINGS.recipients[0].secretName: must start with "nightshift/ftp/"',
    );
  });
});
