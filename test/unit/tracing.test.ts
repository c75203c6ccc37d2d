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

  it('does not load the X-Ray SDK outside Lambda, whose async hook would tax every promise', () => {
    delete process.env.AWS_EXECUTION_ENV;
    const loaded = (env: Record<string, string>) => {
      Object.assign(process.env, env);
      let tracerLoaded = false;
      jest.isolateModules(() => {
        jest.doMock('@aws-lambda-powertools/tracer', () => {
          tracerLoaded = true;
          return jest.requireActual('@aws-lambda-powertools/tracer');
        });
        require('../../lambdas/shared/aws-clients').createDocumentClient({ AWS_REGION: 'ap-northeast-1' });
      });
      return tracerLoaded;
    };

    expect(loaded({})).toBe(false);
    expect(loaded({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', POWERTOOLS_TRACE_ENABLED: 'false' })).toBe(false);
    expect(loaded({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', POWERTOOLS_TRACE_ENABLED: 'true' })).toBe(true);
  });
});
