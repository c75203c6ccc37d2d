import { awsProfiles } from './aws-profiles';
import type { OpsTarget } from './ops-target';

/** An error the CLI reports as one line (exit 1), without a stack trace. */
export class OpsError extends Error {
  override name = 'OpsError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A usage problem (unknown job, bad option): exit 2, like `npm run invoke`. */
export class OpsUsageError extends OpsError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** No credentials: name the profile when AWS_PROFILE is set (the SDK reads the same variables). */
function explainMissingCredentials(env: NodeJS.ProcessEnv): OpsError {
  const profile = env.AWS_PROFILE;
  if (!profile) {
    return new OpsError(
      'no AWS credentials: set AWS_PROFILE (then `aws sso login`) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
    );
  }
  const { files, profiles } = awsProfiles(env);
  if (!profiles.has(profile)) {
    const known = profiles.size > 0 ? `; profiles there: ${[...profiles].join(', ')}` : '';
    return new OpsUsageError(`AWS profile "${profile}" (AWS_PROFILE) is not in ${files.join(' or ')}${known}`);
  }
  return new OpsError(
    `no AWS credentials from profile "${profile}" (AWS_PROFILE): \`aws sso login --profile ${profile}\`, or check its entry in ${files.join(' or ')}`,
  );
}

/**
 * Turns what the AWS SDK throws into one line that says what to do. `resource` names what was
 * looked up (function, table, schedule, log group), so "not found" reads as "stage not deployed".
 */
export function explainAwsError(error: unknown, target: OpsTarget, resource: string): Error {
  if (error instanceof OpsError) return error;
  const { name = '', message = String(error) } = (error ?? {}) as { name?: string; message?: string };
  if (name === 'CredentialsProviderError' || /Could not load credentials|credential/i.test(message)) {
    return explainMissingCredentials(process.env);
  }
  if (/Region is missing/i.test(message)) {
    return new OpsError('no AWS region: pass --region or set AWS_REGION');
  }
  if (name === 'ResourceNotFoundException' || name === 'ResourceNotFound') {
    return new OpsError(
      `stage "${target.stage}" is not deployed in ${target.region} (${resource} not found): deploy it with \`npx cdk deploy --all -c stage=${target.stage}\`, or pass the right --stage/--region`,
    );
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'UnrecognizedClientException') {
    return new OpsError(`AWS refused access to ${resource} (${name}): ${message.split('\n')[0]}`);
  }
  return new OpsError(`${resource}: ${name ? `${name}: ` : ''}${message.split('\n')[0]}`);
}
