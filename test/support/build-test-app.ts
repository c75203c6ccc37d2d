import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import cdkJson from '../../cdk.json';
import { buildNightshift, type NightshiftStacks } from '../../lib/app';
import { loadConfig, type NightshiftConfig } from '../../lib/config';
import type { JobSpec } from '../../lib/job-spec';
import { acknowledgeNagFindings } from '../../lib/nag-acknowledgements';
import { TEST_JOBS } from './test-registry';

export interface TestApp {
  app: App;
  config: NightshiftConfig;
  stacks: NightshiftStacks;
}

/**
 * The whole app as `bin/nightshift.ts` builds it (cdk.json context, cdk-nag on), with the given
 * registry. Asset bundling is skipped unless asked for: most infra tests don't need the code.
 * `nag: false` leaves cdk-nag out, for tests that read the templates only (faster synth).
 */
export function buildTestApp(
  options: { jobs?: readonly JobSpec[]; context?: Record<string, unknown>; bundle?: boolean; nag?: boolean } = {},
): TestApp {
  const app = new App({
    context: {
      ...cdkJson.context,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
  const config = loadConfig((key) => app.node.tryGetContext(key));
  const stacks = buildNightshift(app, config, options.jobs ?? TEST_JOBS);
  if (options.nag !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  acknowledgeNagFindings(stacks, config);
  return { app, config, stacks };
}
