import cdkJson from '../../cdk.json';
import { ConfigError, loadConfig } from '../../lib/config';

const contextOf =
  (overrides: Record<string, unknown> = {}) =>
  (key: string): unknown =>
    key in overrides ? overrides[key] : (cdkJson.context as Record<string, unknown>)[key];

describe('deployment config', () => {
  it('loads the committed dev stage with defaults and no account', () => {
    const config = loadConfig(contextOf());
    expect(config).toMatchObject({ stage: 'dev', region: 'ap-northeast-1', logRetentionDays: 7, protectData: false });
    expect(config.account).toBeUndefined();
    expect(config.database).toMatchObject({ mode: 'create', databaseName: 'nightshift' });
  });

  it('protects data by default in prod', () => {
    expect(loadConfig(contextOf({ stage: 'prod' })).protectData).toBe(true);
  });

  it('applies -c overrides, parsing numbers, booleans and JSON but keeping an account id a string', () => {
    const config = loadConfig(
      contextOf({
        logRetentionDays: '30',
        protectData: 'true',
        tenants: '["a","b"]',
        alarmEmail: 'oncall@example.com',
        account: '012345678901',
      }),
    );
    expect(config).toMatchObject({
      logRetentionDays: 30,
      protectData: true,
      tenants: ['a', 'b'],
      alarmEmail: 'oncall@example.com',
      account: '012345678901',
    });
  });

  it('names every bad field in one error', () => {
    const load = () =>
      loadConfig(contextOf({ natMode: 'sometimes', logRetentionDays: '8', alarmEmail: 'not-an-email', account: '12' }));
    expect(load).toThrow(ConfigError);
    const message = (() => {
      try {
        load();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toMatch(/natMode: .*"gateway"\|"instance"\|"none"/);
    expect(message).toMatch(/logRetentionDays: one of 1, 3, 5, 7/);
    expect(message).toMatch(/alarmEmail: /);
    expect(message).toMatch(/account: 12 digits/);
  });

  it('requires the complete ARN of an imported database secret, since a partial one grants the wrong resource', () => {
    const database = (secretArn: string) =>
      JSON.stringify({ mode: 'import', host: 'db', databaseName: 'app', secretArn });
    expect(() =>
      loadConfig(
        contextOf({ database: database('arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:shared/db') }),
      ),
    ).toThrow(/database\.secretArn: the complete Secrets Manager ARN/);
    expect(
      loadConfig(
        contextOf({ database: database('arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:shared/db-AbCdEf') }),
      ).database,
    ).toMatchObject({ mode: 'import' });
  });

  it('requires host, database name and a secret ARN for an imported database', () => {
    expect(() => loadConfig(contextOf({ database: '{"mode":"import","host":"db"}' }))).toThrow(
      /database\.databaseName[\s\S]*database\.secretArn/,
    );
  });

  it('defaults the GitHub environment of the deploy role to the stage and checks the repository', () => {
    expect(loadConfig(contextOf({ stage: 'prod', github: '{"repository":"acme/nightshift"}' })).github).toEqual({
      repository: 'acme/nightshift',
      environment: 'prod',
    });
    expect(() => loadConfig(contextOf({ github: '{"repository":"nightshift"}' }))).toThrow(
      /github\.repository: owner\/name/,
    );
  });

  it('rejects a stage that cdk.json does not define', () => {
    expect(() => loadConfig(contextOf({ stage: 'qa' }))).toThrow(/stage "qa" is not defined .*\(dev, prod\)/);
  });

  it('lets one stage answer the original manual-trigger command (no stage in the detail): prod, and refuses two', () => {
    expect(loadConfig(contextOf({ stage: 'prod' })).originalManualTrigger).toBe(true);
    expect(loadConfig(contextOf({ stage: 'dev' })).originalManualTrigger).toBe(false);
    const stages = cdkJson.context['nightshift:stages'] as Record<string, Record<string, unknown>>;
    const both = { ...stages, dev: { ...stages.dev, originalManualTrigger: true } };
    expect(() => loadConfig(contextOf({ 'nightshift:stages': both }))).toThrow(
      'originalManualTrigger is set for stages dev, prod; one stage at most',
    );
  });
});

describe('notifications config', () => {
  const load = (notifications: unknown) => loadConfig(contextOf({ notifications: JSON.stringify(notifications) }));
  const problemOf = (notifications: unknown): string => {
    try {
      load(notifications);
      return '';
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
  };

  it('defaults to no chat channel and no webhook', () => {
    expect(loadConfig(contextOf()).notifications).toEqual({ webhooks: [] });
  });

  it('reads Slack, Teams and webhooks from a -c override given as JSON', () => {
    const notifications = {
      slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCDEF' },
      teams: {
        teamId: '5d4c1b2a-0f9e-4d8c-b7a6-1234567890ab',
        tenantId: '0a1b2c3d-4e5f-4a6b-8c7d-0123456789ef',
        channelId: '19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2',
      },
      webhooks: [{ name: 'pagerduty', url: 'https://events.pagerduty.com/integration/abc/enqueue' }],
    };
    expect(load(notifications).notifications).toEqual(notifications);
  });

  it.each([
    ['plain HTTP', 'http://hooks.example.com/alarm'],
    ['no scheme', 'hooks.example.com/alarm'],
    ['a space', 'https://hooks.example.com/al arm'],
  ])('refuses a webhook URL with %s, naming the field', (_case, url) => {
    expect(problemOf({ webhooks: [{ name: 'chat', url }] })).toMatch(
      /notifications\.webhooks\.0\.url: an https:\/\/ URL/,
    );
  });

  it('refuses two webhooks of the same name, since the name is the subscription id', () => {
    const url = 'https://hooks.example.com/a';
    expect(
      problemOf({
        webhooks: [
          { name: 'chat', url },
          { name: 'chat', url },
        ],
      }),
    ).toMatch(/notifications\.webhooks: each webhook needs its own name/);
  });

  it('names a Teams id that is not a GUID and a key it does not know (a typo is not silently ignored)', () => {
    const message = problemOf({
      teams: { teamId: 'my-team', tenantId: '0a1b2c3d-4e5f-4a6b-8c7d-0123456789ef', channelId: 'general' },
      slak: {},
    });
    expect(message).toMatch(/notifications\.teams\.teamId: the team id/);
    expect(message).toMatch(/notifications\.teams\.channelId: the URL-encoded channel id/);
    expect(message).toMatch(/notifications: Unrecognized key: "slak"/);
  });
});
