import type { RemovalPolicy } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { acknowledge } from '../nag-acknowledgements';

export interface RotatableSecretProps {
  /** Secrets Manager name when fixed; a deleted secret keeps its name for 7-30 days, so fix it only where it is kept. */
  readonly fixedName?: string;
  /** What the secret is for (shown in the console). */
  readonly purpose: string;
  readonly removalPolicy: RemovalPolicy;
  /** Why it is rotated by hand (the cdk-nag SMG4 acknowledgement). */
  readonly manualRotationReason: string;
}

/**
 * A generated token stored as `{"current", "previous"}`: rotate by moving `current` to
 * `previous` and setting a new `current`; readers accept both until `previous` is dropped.
 */
export function rotatableSecret(scope: Construct, id: string, props: RotatableSecretProps): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(scope, id, {
    secretName: props.fixedName,
    description: `${props.purpose}. JSON {"current", "previous"}: rotate by moving current to previous.`,
    generateSecretString: {
      secretStringTemplate: '{}',
      generateStringKey: 'current',
      passwordLength: 48,
      excludePunctuation: true,
    },
    removalPolicy: props.removalPolicy,
  });
  acknowledge(secret, 'SMG4', props.manualRotationReason);
  return secret;
}
