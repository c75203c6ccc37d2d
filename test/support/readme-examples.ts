/**
 * The README's shell examples (```bash blocks), as test/integration/readme-examples.test.ts runs them.
 * A command is left out only where the README says so, visibly:
 * - an HTML comment right before the block that says "not run by the README test: <reason>";
 * - a comment line saying "needs AWS" or "not run by the README test" leaves out the commands after it,
 *   up to the next blank line;
 * - a command whose own trailing comment says either.
 * `npm start` lines (with their variables) are not run in place: the test starts local mode once, with
 * the variables of every such line, and runs the rest against it.
 */

export interface ReadmeExample {
  /** The heading the block is under, for test names. */
  readonly heading: string;
  /** 1-based line of the block's opening fence. */
  readonly line: number;
  /** The block as written, without its fences. */
  readonly text: string;
  /** What to run: the block without its `npm start` lines and without what the README marks as not run. */
  readonly script: string;
  /** The commands left out, each with the README's reason. */
  readonly notRun: readonly { readonly command: string; readonly reason: string }[];
  /** Variables of the block's `npm start` lines (`SCHEDULER_ADMIN_TOKEN=dev-admin npm start`). */
  readonly startEnv: Readonly<Record<string, string>>;
  /** Outputs the block shows after `# → ` (without "…" placeholders), which the run must print. */
  readonly expectedOutputs: readonly string[];
}

const NOT_RUN = /needs AWS|not run by the README test(?::\s*([^)]*))?/;
const START_LINE = /^((?:[A-Z][A-Z0-9_]*=\S*\s+)*)npm start\b/;

/** The reason a comment gives for not running, or undefined. */
function notRunReason(comment: string): string | undefined {
  const match = NOT_RUN.exec(comment);
  if (!match) return undefined;
  if (match[0].startsWith('needs AWS')) return 'needs AWS';
  return match[1]?.replace(/\s*-->.*$/, '').trim() || 'not run by the README test';
}

/** The trailing `# comment` of a one-line command, outside quotes. */
function trailingComment(line: string): string | undefined {
  let quote: string | undefined;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === '#' && (index === 0 || /\s/.test(line[index - 1]))) return line.slice(index);
  }
  return undefined;
}

function parseBlock(text: string, blockReason: string | undefined) {
  const notRun: { command: string; reason: string }[] = [];
  const startEnv: Record<string, string> = {};
  const kept: string[] = [];
  let paragraphReason: string | undefined;
  let continuing = false;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (continuing) {
      // The rest of a command left out: it goes with its first line.
      notRun[notRun.length - 1].command += `\n${trimmed}`;
      continuing = trimmed.endsWith('\\');
      continue;
    }
    if (trimmed === '') {
      paragraphReason = undefined;
      kept.push(line);
      continue;
    }
    if (trimmed.startsWith('#')) {
      paragraphReason = notRunReason(trimmed) ?? paragraphReason;
      kept.push(line);
      continue;
    }
    const reason = blockReason ?? paragraphReason ?? notRunReason(trailingComment(line) ?? '');
    if (reason) {
      notRun.push({ command: trimmed, reason });
      continuing = trimmed.endsWith('\\');
      continue;
    }
    const start = START_LINE.exec(trimmed);
    if (start) {
      for (const assignment of start[1].trim().split(/\s+/).filter(Boolean)) {
        const [name, ...value] = assignment.split('=');
        startEnv[name] = value.join('=');
      }
      continue;
    }
    kept.push(line);
  }
  return { script: kept.join('\n'), notRun, startEnv };
}

/** Every ```bash block of the README, in order. */
export function readmeExamples(readme: string): ReadmeExample[] {
  const lines = readme.split('\n');
  const examples: ReadmeExample[] = [];
  let heading = '';
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index];
    if (/^#{1,4} /.test(line)) heading = line.replace(/^#+\s*/, '');
    if (!line.startsWith('```')) continue;
    const end = lines.findIndex((candidate, after) => after > index && candidate.startsWith('```'));
    if (end < 0) throw new Error(`README: the code block at line ${index + 1} is not closed`);
    if (line.trim() === '```bash') {
      const text = lines.slice(index + 1, end).join('\n');
      const before = lines[index - 1] ?? '';
      const blockReason = before.startsWith('<!--') ? notRunReason(before) : undefined;
      const expectedOutputs = [...text.matchAll(/# → (.+)$/gm)]
        .map((match) => match[1].trim())
        .filter((output) => !output.includes('…'));
      examples.push({ heading, line: index + 1, text, expectedOutputs, ...parseBlock(text, blockReason) });
    }
    index = end;
  }
  return examples;
}
