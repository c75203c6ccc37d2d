/**
 * `npm run bench -- <name> [args...]` runs bench/<name>.ts; each benchmark prints its figures and
 * ends with a line `BENCH <name> key=value ...`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

const [name, ...args] = process.argv.slice(2);
const available = readdirSync(__dirname)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
  .map((file) => file.replace(/\.ts$/, ''));
const file = name ? path.join(__dirname, `${name}.ts`) : '';
if (!name || !existsSync(file)) {
  console.error(`usage: npm run bench -- <name> [args]; benchmarks: ${available.join(', ') || 'none'}`);
  process.exit(2);
}
const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', file, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
