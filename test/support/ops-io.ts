import type { OpsIo } from '../../ops/ops-context';

/** An OpsIo that keeps what the CLI printed, with a fixed clock. */
export function captureIo(now = new Date('2025-08-12T00:00:00Z'), env: NodeJS.ProcessEnv = {}) {
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
