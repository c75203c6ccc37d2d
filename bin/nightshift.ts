#!/usr/bin/env -S npx tsx
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildNightshift } from '../lib/app';
import { ConfigError, loadConfig } from '../lib/config';
import { JOBS } from '../lib/jobs';
import { acknowledgeNagFindings } from '../lib/nag-acknowledgements';

const app = new App();
try {
  const config = loadConfig((key) => app.node.tryGetContext(key));
  const stacks = buildNightshift(app, config, JOBS);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  acknowledgeNagFindings(stacks, config);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
