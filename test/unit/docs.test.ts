import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The documentation stays true to the repository: the README's (and docs') environment tables list
 * only variables the code reads, and every document a comment or doc names is in the repository.
 * Rows and links added later by other capabilities are checked the same way, with no list to update.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.local', 'cdk.out', 'coverage']);
const TEXT_FILE = /\.(ts|js|cjs|mjs|py|md|ya?ml|json)$/;

function filesUnder(dir: string, keep: (file: string) => boolean): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : filesUnder(relative, keep);
    return keep(relative) ? [relative] : [];
  });
}

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const repositoryFiles = filesUnder('.', (file) => TEXT_FILE.test(file) && !file.endsWith('package-lock.json'));
const markdownFiles = repositoryFiles.filter((file) => file.endsWith('.md'));

/** Code without its comments, so a variable named only in a comment does not count as read. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
}

/** Names in the first column of every Markdown table whose header starts with "variable". */
function documentedVariables(markdown: string): string[] {
  const names: string[] = [];
  let inVariableTable = false;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      inVariableTable = false;
      continue;
    }
    const firstCell = line.split('|')[1].trim();
    if (/^variable$/i.test(firstCell)) inVariableTable = true;
    else if (inVariableTable) names.push(...[...firstCell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1]));
  }
  return names;
}

describe('the documentation', () => {
  it('lists in its environment tables only variables that lambdas/, local/ or reporters/ read', () => {
    const code = filesUnder('lambdas', (file) => file.endsWith('.ts'))
      .concat(filesUnder('local', (file) => file.endsWith('.ts')))
      .concat(filesUnder('reporters', (file) => /\.(ts|py)$/.test(file)))
      .map((file) => withoutComments(read(file)))
      .join('\n');
    const documented = markdownFiles.flatMap((file) => documentedVariables(read(file)).map((name) => ({ file, name })));
    const unread = documented.filter(({ name }) => !new RegExp(`\\b${name}\\b`).test(code));

    expect(documented.map(({ name }) => name)).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL']));
    expect(unread.map(({ file, name }) => `${file}: ${name}`)).toEqual([]);
  });

  it('names only documents that exist: docs/ and reporters/ paths, *.md names and Markdown links', () => {
    const markdownNames = new Set(markdownFiles.map((file) => path.basename(file)));
    const missing: string[] = [];
    for (const file of repositoryFiles) {
      const text = read(file);
      for (const match of text.matchAll(/(?<![\w./-])((?:docs|reporters)\/[\w./-]*)/g)) {
        const named = match[1].replace(/[./]+$/, '');
        if (!existsSync(path.join(ROOT, named))) missing.push(`${file}: ${named}`);
      }
      for (const match of text.matchAll(/(?<![\w./-])([\w-]+\.md)\b/g)) {
        if (!markdownNames.has(match[1])) missing.push(`${file}: ${match[1]}`);
      }
      if (!file.endsWith('.md')) continue;
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1].split('#')[0];
        if (!target || /^[a-z]+:/.test(target)) continue; // an anchor on the same page, or a URL
        if (!existsSync(path.resolve(ROOT, path.dirname(file), target))) missing.push(`${file}: ${match[1]}`);
      }
    }

    expect(missing).toEqual([]);
  });

  it('cites no document from outside the repository (design notes, style notes, requirement seeds)', () => {
    const outside = /\b(?:DESIGN|STYLE)\.md\b|\bseeds?\s+0\d\d\b|\bthe\sseed\b|\.\.\/shared\//i;
    const citing = repositoryFiles.filter((file) => outside.test(read(file)));

    expect(citing).toEqual([]);
  });
});
