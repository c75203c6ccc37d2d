import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';

/**
 * The Chromium the browser test drives: a system one when the machine has it, otherwise the
 * headless Chromium that the `@sparticuz/chromium` devDependency ships inside its package, so
 * `npm ci && npm test` needs nothing but Node and npm.
 */
export interface FoundChromium {
  executablePath: string;
  /** Where it came from, for the error message of a failed launch. */
  source: string;
}

/** Usual install paths, Debian/Ubuntu packages and Google Chrome first. */
export const SYSTEM_CHROMIUM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

export async function findChromium(
  env: NodeJS.ProcessEnv = process.env,
  systemPaths: readonly string[] = SYSTEM_CHROMIUM_PATHS,
): Promise<FoundChromium> {
  const configured = env['CHROMIUM_PATH'];
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH points to ${configured}, which does not exist`);
    return { executablePath: configured, source: 'CHROMIUM_PATH' };
  }
  const system = systemPaths.find((candidate) => existsSync(candidate));
  if (system) return { executablePath: system, source: 'system' };
  return { executablePath: await unpackPackagedChromium(), source: '@sparticuz/chromium' };
}

/** Unpacks the package's brotli-compressed binary once per package version into node_modules/.cache. */
async function unpackPackagedChromium(): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `no Chromium found: @sparticuz/chromium ships only a linux-x64 binary (this is ${process.platform}-${process.arch}); install Chromium or set CHROMIUM_PATH`,
    );
  }
  // The package exports only its entry point (build/cjs/index.cjs); its root is two folders up.
  const packageRoot = path.resolve(path.dirname(require.resolve('@sparticuz/chromium')), '..', '..');
  const { version } = JSON.parse(await readFile(path.join(packageRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  const cacheDir = path.resolve(packageRoot, '..', '..', '.cache', 'nightshift-chromium', version);
  const binary = path.join(cacheDir, 'chromium');
  if (existsSync(binary)) return binary;
  await mkdir(cacheDir, { recursive: true });
  // Unpacked under a private name and renamed, so a parallel run never starts a half-written binary.
  const partial = `${binary}.${process.pid}.partial`;
  try {
    await pipeline(
      createReadStream(path.join(packageRoot, 'bin', 'chromium.br')),
      createBrotliDecompress(),
      createWriteStream(partial),
    );
    await chmod(partial, 0o755);
    await rename(partial, binary);
  } finally {
    await rm(partial, { force: true });
  }
  return binary;
}

/** Flags for a headless run as root in a container: no sandbox, no GPU, no background traffic. */
export const HEADLESS_ARGS = [
  '--headless',
  '--no-sandbox',
  '--no-zygote',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
