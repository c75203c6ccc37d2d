import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { REPO_ROOT } from '../../lib/constructs/nightshift-function';
import { JOBS } from '../../lib/jobs';
import { buildTestApp } from '../support/build-test-app';
import { bundleEntries } from '../support/permissions/function-bundles';
import { TEST_JOBS } from '../support/test-registry';

/** The one infra test that really bundles: every function of the app, with the local esbuild (no Docker). */
describe('bundling every function', () => {
  const { app } = buildTestApp({ jobs: [...JOBS, ...TEST_JOBS], bundle: true });
  const assembly = app.synth();

  /** index.js of every function of ours (NightshiftFunction, named nightshift-<stage>-*), as deployed. */
  const shippedBundles = () =>
    assembly.stacks.flatMap((stack) =>
      Object.values(Template.fromJSON(stack.template).findResources('AWS::Lambda::Function'))
        .filter((fn) => /^nightshift-/.test(fn.Properties.FunctionName ?? '') && fn.Properties.Code?.S3Key)
        .map((fn) =>
          path.join(assembly.directory, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`, 'index.js'),
        ),
    );

  it('produces a minified CommonJS bundle with a source map for each Lambda function', () => {
    const bundles: string[] = [];
    for (const stack of assembly.stacks) {
      const functions = Template.fromJSON(stack.template).findResources('AWS::Lambda::Function');
      for (const fn of Object.values(functions)) {
        const s3Key = fn.Properties.Code?.S3Key as string | undefined;
        if (!s3Key || fn.Properties.Runtime !== 'nodejs22.x') continue;
        const dir = path.join(assembly.directory, `asset.${s3Key.replace(/\.zip$/, '')}`);
        expect(existsSync(path.join(dir, 'index.js'))).toBe(true);
        expect(readdirSync(dir)).toContain('index.js.map');
        bundles.push(fn.Properties.FunctionName ?? s3Key);
        expect(statSync(path.join(dir, 'index.js')).size).toBeGreaterThan(1000);
      }
    }
    expect(bundles.length).toBeGreaterThanOrEqual(JOBS.length + TEST_JOBS.length);
  });

  it('keeps the job monitor bundle small (its API answers every report; no zod, no OpenAPI schemas)', async () => {
    const apiStack = assembly.stacks.find((stack) => stack.stackName.endsWith('-Api'));
    const functions = Template.fromJSON(apiStack?.template ?? {}).findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: 'nightshift-dev-job-monitor' },
    });
    const s3Key = Object.values(functions)[0].Properties.Code.S3Key as string;
    const bundle = path.join(assembly.directory, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.js');
    const entry = 'lambdas/job-monitor/handler.ts';
    const contents = (await bundleEntries([entry])).get(entry);

    // Its own code and libraries; the AWS SDK it carries (docs/deploy.md) is measured apart.
    expect(contents?.bytesWithoutSdk).toBeLessThan(300 * 1024);
    // The permission test analyses the bundle esbuild builds in memory: the same bytes as the deployed one.
    const shipped = readFileSync(bundle, 'utf8').replace(/\/\/# sourceMappingURL=index\.js\.map\n?$/, '');
    expect(Buffer.byteLength(shipped)).toBe(contents?.bytes);
  });

  it('carries its own AWS SDK, at the version package-lock.json pins, and loads with nothing but Node.js', () => {
    const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    const bundles = shippedBundles();
    const codes = bundles.map((bundle) => readFileSync(bundle, 'utf8'));
    // Nothing left for the Lambda runtime's own SDK to provide (`require(...);]` is the SDK's advice in an error message).
    expect(codes.flatMap((code) => code.match(/require\("@(aws-sdk|smithy)\/[^"]+"\)(?!;\])/g) ?? [])).toEqual([]);
    const versions = codes.flatMap((code) =>
      [...code.matchAll(/name:"@aws-sdk\/(client-[a-z0-9-]+)",version:"([^"]+)"/g)].map(([, client, version]) => ({
        client,
        version,
      })),
    );
    expect(versions.map(({ client }) => client)).toContain('client-dynamodb');
    for (const { client, version } of versions) {
      expect(`${client} ${version}`).toBe(`${client} ${lock.packages[`node_modules/@aws-sdk/${client}`].version}`);
    }
    // Each bundle is required from its asset folder, where no node_modules can be found.
    const load = bundles.map((bundle) => `require(${JSON.stringify(bundle)});`).join('');
    expect(() =>
      execFileSync(process.execPath, ['-e', load], {
        cwd: assembly.directory,
        env: { PATH: process.env.PATH, AWS_REGION: 'ap-northeast-1' },
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });

  it('carries the SQL migrations next to the migrate function bundle', () => {
    const jobsStack = assembly.stacks.find((stack) => stack.stackName.endsWith('-Jobs'));
    const functions = Template.fromJSON(jobsStack?.template ?? {}).findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: 'nightshift-dev-db-migrate' },
    });
    const s3Key = Object.values(functions)[0].Properties.Code.S3Key as string;
    const dir = path.join(assembly.directory, `asset.${s3Key.replace(/\.zip$/, '')}`);
    const shipped = readdirSync(path.join(dir, 'migrations'));
    expect(shipped).toEqual(readdirSync(path.join(__dirname, '..', '..', 'lambdas', 'db-migrate', 'migrations')));
    expect(shipped.length).toBeGreaterThanOrEqual(2);
  });

  it('copies the Swagger UI assets next to the HTTP scheduler API bundle', () => {
    const api = assembly.stacks.find((stack) => stack.stackName.endsWith('-Api'));
    const functions = Template.fromJSON(api?.template ?? {}).findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: 'nightshift-dev-http-scheduler' },
    });
    const [fn] = Object.values(functions);
    const dir = path.join(assembly.directory, `asset.${(fn.Properties.Code.S3Key as string).replace(/\.zip$/, '')}`);
    expect(readdirSync(path.join(dir, 'swagger-ui')).sort()).toEqual([
      'swagger-ui-bundle.js',
      'swagger-ui-standalone-preset.js',
      'swagger-ui.css',
    ]);
  });
});
