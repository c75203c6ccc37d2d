import type { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

let tracer: Tracer | undefined;

/**
 * Whether Powertools Tracer would trace here, by its own rules: inside Lambda (AWS_EXECUTION_ENV),
 * not SAM local or the Amplify mock, and not turned off by POWERTOOLS_TRACE_ENABLED=false.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const executionEnv = env.AWS_EXECUTION_ENV ?? '';
  return (
    executionEnv !== '' &&
    executionEnv !== 'AWS_Lambda_amplify-mock' &&
    (env.AWS_SAM_LOCAL ?? '') === '' &&
    (env.POWERTOOLS_TRACE_ENABLED ?? '').toLowerCase() !== 'false'
  );
}

/**
 * The functions run with X-Ray active tracing; Powertools Tracer adds a subsegment per AWS SDK
 * call (service, operation, latency, error) to the segment Lambda opens. Loaded only where it
 * traces: loading the X-Ray SDK turns on an async hook (cls-hooked) that makes every promise in the
 * process about fifteen times dearer (2 million awaits: 80 ms without it, 1.3 s with it), a cost
 * local mode, the tests and the benchmarks would pay for a tracer that is off there.
 */
export function getTracer(): Tracer | undefined {
  if (!tracer && tracingEnabled()) {
    const { Tracer: PowertoolsTracer } =
      require('@aws-lambda-powertools/tracer') as typeof import('@aws-lambda-powertools/tracer');
    tracer = new PowertoolsTracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'nightshift' });
  }
  return tracer;
}

/** Every AWS SDK v3 client the jobs create goes through here, so its calls show in the trace. */
export function traced<T>(client: T): T {
  return getTracer()?.captureAWSv3Client(client) ?? client;
}

/**
 * DynamoDB document client; DYNAMODB_ENDPOINT points it at dynalite locally.
 * Created once per container so connections are reused across invocations.
 */
export function createDocumentClient(env: NodeJS.ProcessEnv = process.env): DynamoDBDocumentClient {
  const client = traced(
    new DynamoDBClient({
      region: env.AWS_REGION ?? 'ap-northeast-1',
      ...(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {}),
    }),
  );
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
