import { rm } from 'node:fs/promises';

/** Stops the services global-setup started and removes their temp directory, even if a stop fails. */
export default async function globalTeardown(): Promise<void> {
  const handle = globalThis.__NIGHTSHIFT_SERVICES__; // declared and set in global-setup.ts
  if (!handle) return;
  globalThis.__NIGHTSHIFT_SERVICES__ = undefined;
  try {
    await handle.services.stop();
  } finally {
    await rm(handle.tempDir, { recursive: true, force: true });
  }
}
