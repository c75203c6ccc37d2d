import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

/**
 * A job's secrets: the signing secret its calls are signed with and its sensitive header values.
 * On AWS one Secrets Manager secret per job generation; in local mode an encrypted file (local/).
 *
 * Every create or replace of a job is a new generation with a secret of its own, written once and
 * never overwritten: two requests racing for one job_id each write their own secret, the one whose
 * job row wins keeps it and the other deletes only its own. A name is never reused either, so a
 * deleted secret still pending deletion cannot block a job created again under the same id.
 */
export interface JobSecretValue {
  signingSecret: string;
  headers: Record<string, string>;
}

/** Which secret: a job and its generation (JobRecord.generation). */
export interface JobSecretRef {
  jobId: string;
  generation: string;
}

export interface JobSecrets {
  /** Stores a new generation's secret; a generation is written once. */
  put(ref: JobSecretRef, value: JobSecretValue): Promise<void>;
  get(ref: JobSecretRef): Promise<JobSecretValue | undefined>;
  /** Deleting a secret that is gone is not an error. */
  delete(ref: JobSecretRef): Promise<void>;
}

/** `<prefix>/<job id>/<generation>`, e.g. `nightshift/prod/http-jobs/nightly-report/6f1c…`. */
export class SecretsManagerJobSecrets implements JobSecrets {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly prefix: string,
  ) {}

  private name(ref: JobSecretRef): string {
    return `${this.prefix}/${ref.jobId}/${ref.generation}`;
  }

  async put(ref: JobSecretRef, value: JobSecretValue): Promise<void> {
    await this.client.send(
      new CreateSecretCommand({
        Name: this.name(ref),
        SecretString: JSON.stringify(value),
        // A retried create of the same generation is the same request, not a conflict.
        ClientRequestToken: ref.generation,
        Description: `nightshift HTTP job ${ref.jobId}: signing secret and sensitive headers`,
      }),
    );
  }

  async get(ref: JobSecretRef): Promise<JobSecretValue | undefined> {
    try {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: this.name(ref) }));
      return result.SecretString ? (JSON.parse(result.SecretString) as JobSecretValue) : undefined;
    } catch (error) {
      // A replaced generation's secret is deleted right away; for a moment AWS answers "marked for deletion" instead.
      if (error instanceof ResourceNotFoundException || error instanceof InvalidRequestException) return undefined;
      throw error;
    }
  }

  /** Without the recovery window: the generation is gone from the job row, nothing reads it again. */
  async delete(ref: JobSecretRef): Promise<void> {
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: this.name(ref), ForceDeleteWithoutRecovery: true }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}
