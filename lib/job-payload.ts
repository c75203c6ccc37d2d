/** Parses a payload given on a command line: empty means `{}`; anything but a JSON object is refused. */
export function parsePayloadText(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    throw new Error(`payload is not valid JSON (${(error as Error).message}): ${text}`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new Error(`payload must be a JSON object, got: ${text}`);
  }
  return payload as Record<string, unknown>;
}
