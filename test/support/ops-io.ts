import os from 'node:os';
import path from 'node:path';
import type { OpsIo } from '../../ops/ops-context';

/** No local mode lives here, so a test without --stage targets AWS even while a developer runs `npm start`. */
const NO_LOCAL_MODE = { NIGHTSHIFT_LOCAL_DIR: path.join(os.tmpdir(), 'nightshift-no-local-mode') };

/** An OpsIo that keeps what the CLI printed, with a fixed clock. */
export function captureIo(now = new Date('2025-08-12T00:00:00Z'), env: NodeJS.ProcessEnv = NO_LOCAL_MODE) {
  const out: string[] = [];
  const err: string[] = [];
  const io: OpsIo = {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    isTty: false,
    env,
    now: () => now,
  };
  return { io, out, err, stdout: () => out.join('\n'), stderr: () => err.join('\n') };
}
