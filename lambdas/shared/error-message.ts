/**
 * The message of anything thrown. Works for errors from another realm too (jest's VM sandbox, where
 * errors raised by Node's own sockets fail `instanceof Error`), so messages never read "[object Object]".
 */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : String(error);
}
