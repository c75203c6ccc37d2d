import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSync } from '@swc/core';

/**
 * The import rule of lambdas/: a job or component (lambdas/<name>/) imports its own folder,
 * lambdas/shared/, contracts/ and packages, never another component's folder; lambdas/shared/
 * imports no component; no Lambda code imports lib/. Every module reference counts (static,
 * type-only, re-export, `require`, dynamic `import()`, `import x = require()`, `import('...')`
 * types), and each is resolved the way Node and TypeScript do (relative, absolute, and the
 * package.json "imports" aliases such as `#shared/*`), so no spelling of a path gets around it.
 */

interface Node {
  type?: string;
  [key: string]: unknown;
}

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;
const literal = (value: unknown) =>
  isNode(value) && value.type === 'StringLiteral' && typeof value.value === 'string' ? value.value : undefined;

/** The string of the first argument of a call, unwrapping the `{ expression }` wrapper swc gives arguments. */
function firstArgument(call: Node): string | undefined {
  const [first] = (call.arguments as Node[] | undefined) ?? [];
  return first ? literal(first.expression) : undefined;
}

function referencedModule(node: Node): string | undefined {
  switch (node.type) {
    case 'ImportDeclaration':
    case 'ExportAllDeclaration':
    case 'ExportNamedDeclaration':
      return literal(node.source);
    case 'TsImportType':
      return literal(node.argument);
    case 'TsExternalModuleReference':
      return literal(node.expression);
    case 'CallExpression': {
      const callee = node.callee as Node;
      const isRequire =
        (callee.type === 'Identifier' && callee.value === 'require') ||
        (callee.type === 'MemberExpression' && (callee.object as Node).value === 'require');
      return callee.type === 'Import' || isRequire ? firstArgument(node) : undefined;
    }
    default:
      return undefined;
  }
}

/** Every module specifier a TypeScript source refers to, type-only ones included. */
export function moduleSpecifiers(source: string): string[] {
  const found: string[] = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isNode(value)) return;
    const specifier = referencedModule(value);
    if (specifier !== undefined) found.push(specifier);
    for (const child of Object.values(value)) if (typeof child === 'object') visit(child);
  };
  visit(parseSync(source, { syntax: 'typescript', tsx: false }).body);
  return found;
}

type SubpathImports = Record<string, string>;

/** The path a specifier points at (extension and index resolution do not matter here), or undefined for a package. */
function resolveSpecifier(
  specifier: string,
  fromFile: string,
  root: string,
  imports: SubpathImports,
): string | undefined {
  if (specifier.startsWith('.')) return path.resolve(path.dirname(fromFile), specifier);
  if (path.isAbsolute(specifier)) return path.resolve(specifier);
  if (specifier.startsWith('#')) {
    for (const [pattern, target] of Object.entries(imports)) {
      const [prefix, suffix = ''] = pattern.split('*');
      const wildcard = pattern.includes('*');
      if (!wildcard && specifier === pattern) return path.resolve(root, target);
      if (wildcard && specifier.startsWith(prefix) && specifier.endsWith(suffix)) {
        const middle = specifier.slice(prefix.length, specifier.length - suffix.length);
        return path.resolve(root, target.replace('*', middle));
      }
    }
    return path.resolve(root, '<no package.json "imports" entry>', specifier);
  }
  return undefined;
}

/** `lambdas/<name>` (shared included), `lib`, or undefined for anything else. */
function area(file: string, root: string): string | undefined {
  const parts = path.relative(root, file).split(path.sep);
  if (parts[0] === 'lib') return 'lib';
  return parts[0] === 'lambdas' && parts.length > 2 ? `lambdas/${parts[1]}` : undefined;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return /\.(c|m)?(t|j)s$/.test(entry.name) ? [full] : [];
  });
}

/** One line per import that breaks the rule: `<file> imports '<specifier>' (<where it points>)`. */
export function componentImportViolations(root: string): string[] {
  const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { imports?: SubpathImports };
  const imports = packageJson.imports ?? {};
  const violations: string[] = [];
  for (const file of sourceFiles(path.join(root, 'lambdas'))) {
    const owner = area(file, root);
    if (!owner) continue;
    for (const specifier of moduleSpecifiers(readFileSync(file, 'utf8'))) {
      const target = resolveSpecifier(specifier, file, root, imports);
      if (target === undefined) continue;
      const targetArea = area(target, root);
      const allowed =
        targetArea === undefined
          ? !target.includes('<no package.json')
          : targetArea === owner || targetArea === 'lambdas/shared';
      if (!allowed) {
        violations.push(`${path.relative(root, file)} imports '${specifier}' (${path.relative(root, target)})`);
      }
    }
  }
  return violations;
}
