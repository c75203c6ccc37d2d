import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

/**
 * A job's secrets: the signing secret its calls are signed with and its sensitive header values.
 * On AWS one Secrets Manager secret per job; in local mode an encrypted file (local/).
 */
export interface JobSecretValue {
  signingSecret: string;
  headers: Record<string, string>;
}

export interface JobSecrets {
  put(jobId: string, value: JobSecretValue): Promise<void>;
  get(jobId: string): Promise<JobSecretValue | undefined>;
  delete(jobId: string): Promise<void>;
}

/** `<prefix>/<job id>`, e.g. `nightshift/prod/http-jobs/nightly-report`. */
export class SecretsManagerJobSecrets implements JobSecrets {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly prefix: string,
  ) {}

  private name(jobId: string): string {
    return `${this.prefix}/${jobId}`;
  }

  async put(jobId: string, value: JobSecretValue): Promise<void> {
    const SecretString = JSON.stringify(value);
    try {
      await this.client.send(new PutSecretValueCommand({ SecretId: this.name(jobId), SecretString }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await this.client.send(
        new CreateSecretCommand({
          Name: this.name(jobId),
          SecretString,
          Description: `nightshift HTTP job ${jobId}: signing secret and sensitive headers`,
        }),
      );
    }
  }

  async get(jobId: string): Promise<JobSecretValue | undefined> {
    try {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: this.name(jobId) }));
      return result.SecretString ? (JSON.parse(result.SecretString) as JobSecretValue) : undefined;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  /** Without the recovery window: a job id may be created again at once. */
  async delete(jobId: string): Promise<void> {
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: this.name(jobId), ForceDeleteWithoutRecovery: true }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}
