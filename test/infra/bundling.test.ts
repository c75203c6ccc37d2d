import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { JOBS } from '../../lib/jobs';
import { buildTestApp } from '../support/build-test-app';
import { TEST_JOBS } from '../support/test-registry';

/** The one infra test that really bundles: every function of the app, with the local esbuild (no Docker). */
describe('bundling every function', () => {
  const { app } = buildTestApp({ jobs: [...JOBS, ...TEST_JOBS], bundle: true });
  const assembly = app.synth();

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

  it('keeps the job monitor bundle small (its API answers every report; no zod, no OpenAPI schemas)', () => {
    const apiStack = assembly.stacks.find((stack) => stack.stackName.endsWith('-Api'));
    const functions = Template.fromJSON(apiStack?.template ?? {}).findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: 'nightshift-dev-job-monitor' },
    });
    const s3Key = Object.values(functions)[0].Properties.Code.S3Key as string;
    const bundle = path.join(assembly.directory, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.js');

    expect(statSync(bundle).size).toBeLessThan(300 * 1024);
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
