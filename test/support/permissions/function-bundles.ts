import path from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { BUNDLING, REPO_ROOT } from '../../../lib/constructs/nightshift-function';

/** What esbuild put into one entry's bundle: our own source files and the AWS SDK commands. */
export interface BundleContents {
  readonly entry: string;
  /** Repository-relative paths of our files in the bundle (lambdas/, contracts/, ops/, lib/). */
  readonly sourceFiles: readonly string[];
  /** `<package>/<Command>`, e.g. `client-dynamodb/BatchGetItemCommand`, for every SDK command class kept. */
  readonly sdkCommands: readonly string[];
  /** Bytes of the bundle that are not the AWS SDK (or its Smithy runtime), per esbuild's metafile. */
  readonly bytesWithoutSdk: number;
  readonly bytes: number;
}

/**
 * The esbuild options NightshiftFunction bundles with (lib/constructs/nightshift-function.ts BUNDLING),
 * as esbuild's own API takes them. An option this does not translate fails here, so the test never
 * analyses bundles built differently from the deployed ones.
 */
export function esbuildOptionsOfFunctions(): BuildOptions {
  const options: BuildOptions = { bundle: true, platform: 'node', logLevel: 'error' };
  for (const [key, value] of Object.entries(BUNDLING)) {
    if (key === 'minify') options.minify = value as boolean;
    else if (key === 'target') options.target = value as string;
    else if (key === 'format') options.format = value as BuildOptions['format'];
    else if (key === 'mainFields') options.mainFields = [...(value as string[])];
    else if (key === 'bundleAwsSDK') options.external = value ? [] : ['@aws-sdk/*'];
    // Source maps change no byte of what is bundled.
    else if (key !== 'sourceMap' && key !== 'sourcesContent') throw new Error(`BUNDLING.${key} is not translated`);
  }
  return options;
}

const SDK_COMMAND =
  /node_modules\/@aws-sdk\/((?:client-[a-z0-9-]+)|nested-clients\/dist-es\/submodules\/[a-z0-9-]+)\/(?:dist-es\/)?commands\/(\w+Command)\.js$/;
const SDK_PACKAGE = /node_modules\/(@aws-sdk|@smithy|@aws-crypto)\//;

/**
 * Bundles the entries in one esbuild run (in memory; shared modules are parsed once) and reports
 * each bundle's contents from the metafile.
 */
export async function bundleEntries(entries: readonly string[]): Promise<Map<string, BundleContents>> {
  const unique = [...new Set(entries)];
  const result = await build({
    ...esbuildOptionsOfFunctions(),
    entryPoints: unique.map((entry) => ({ in: entry, out: entry.replace(/\.ts$/, '') })),
    absWorkingDir: REPO_ROOT,
    outdir: 'bundles',
    write: false,
    metafile: true,
  });
  return new Map(
    Object.values(result.metafile.outputs)
      .filter((output) => output.entryPoint)
      .map((output) => [output.entryPoint as string, contentsOf(output.entryPoint as string, output)]),
  );
}

function contentsOf(entry: string, output: Metafile['outputs'][string]): BundleContents {
  const inputs = Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0);
  const sdkCommands = inputs.flatMap(([file]) => {
    const match = SDK_COMMAND.exec(file);
    return match
      ? [`${match[1].replace(/^nested-clients\/dist-es\/submodules\//, 'nested-clients/')}/${match[2]}`]
      : [];
  });
  return {
    entry,
    sourceFiles: inputs
      .map(([file]) => file)
      .filter((file) => !file.includes('node_modules/'))
      .map((file) => path.relative(REPO_ROOT, path.resolve(REPO_ROOT, file))),
    sdkCommands: [...new Set(sdkCommands)].sort(),
    bytesWithoutSdk: inputs
      .filter(([file]) => !SDK_PACKAGE.test(file))
      .reduce((sum, [, input]) => sum + input.bytesInOutput, 0),
    bytes: output.bytes,
  };
}
