/** Active tracing on the functions is only useful if the SDK calls appear in the trace. */
describe('AWS SDK clients and X-Ray', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    jest.resetModules();
  });

  const middlewareOf = (env: Record<string, string>) => {
    Object.assign(process.env, env);
    let names: string[] = [];
    jest.isolateModules(() => {
      const { createDocumentClient } = require('../../lambdas/shared/aws-clients');
      const client = createDocumentClient({ AWS_REGION: 'ap-northeast-1' });
      names = client.middlewareStack.identify();
    });
    return names.join('\n');
  };

  it('records every DynamoDB call as an X-Ray subsegment inside Lambda', () => {
    expect(
      middlewareOf({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', POWERTOOLS_SERVICE_NAME: 'nightshift-dev-x' }),
    ).toMatch(/XRay/i);
  });

  it('leaves clients untouched outside Lambda (local mode, tests)', () => {
    delete process.env.AWS_EXECUTION_ENV;
    expect(middlewareOf({})).not.toMatch(/XRay/i);
  });
});
