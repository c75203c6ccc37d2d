import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inflateSync } from 'node:zlib';

/**
 * A Japanese system font for the browser test, as a phone has one installed: Noto Sans JP from
 * the `@fontsource/noto-sans-jp` devDependency, registered with fontconfig through a config file
 * that Chromium reads from FONTCONFIG_FILE. The page's `system-ui` stack falls back to system
 * fonts (not to web fonts) for characters its first font lacks, so the font must be a system one;
 * the page itself stays unchanged. Fontconfig reads TrueType, not WOFF, so the files are unpacked.
 */
const FONTSOURCE_DIR = path.dirname(require.resolve('@fontsource/noto-sans-jp/400.css'));
const WEIGHTS = /-(400|700)-normal\.woff$/;

/** Writes (once per fontsource version) the fonts and a fonts.conf that adds them to the system's fonts; returns its path. */
export async function japaneseFontConfig(): Promise<string> {
  const { version } = JSON.parse(await readFile(path.join(FONTSOURCE_DIR, 'package.json'), 'utf8')) as {
    version: string;
  };
  const nodeModules = path.resolve(FONTSOURCE_DIR, '..', '..');
  const target = path.join(nodeModules, '.cache', 'nightshift-fonts', `noto-sans-jp-${version}`);
  const config = path.join(target, 'fonts.conf');
  if (existsSync(config)) return config;
  // Built under a private name and renamed, so a parallel run never reads a half-written folder.
  const partial = `${target}.${process.pid}.partial`;
  await mkdir(path.join(partial, 'fonts'), { recursive: true });
  try {
    const files = (await readdir(path.join(FONTSOURCE_DIR, 'files'))).filter((file) => WEIGHTS.test(file));
    for (const file of files) {
      const woff = await readFile(path.join(FONTSOURCE_DIR, 'files', file));
      await writeFile(path.join(partial, 'fonts', file.replace(/\.woff$/, '.ttf')), woffToSfnt(woff));
    }
    await writeFile(
      path.join(partial, 'fonts.conf'),
      `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${path.join(target, 'fonts')}</dir>
  <cachedir>${path.join(target, 'cache')}</cachedir>
</fontconfig>
`,
    );
    await rename(partial, target).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(config)) throw error; // another run finished first: use its copy
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return config;
}

/** WOFF 1.0 → TrueType/OpenType: each table is zlib-compressed or stored as is (W3C WOFF, section 5). */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.toString('latin1', 0, 4) !== 'wOFF') throw new Error('not a WOFF 1.0 font');
  const flavor = woff.readUInt32BE(4);
  const numTables = woff.readUInt16BE(12);
  const header = Buffer.alloc(12 + 16 * numTables);
  const entrySelector = Math.floor(Math.log2(numTables));
  const searchRange = 2 ** entrySelector * 16;
  header.writeUInt32BE(flavor, 0);
  header.writeUInt16BE(numTables, 4);
  header.writeUInt16BE(searchRange, 6);
  header.writeUInt16BE(entrySelector, 8);
  header.writeUInt16BE(numTables * 16 - searchRange, 10);
  const chunks = [header];
  let offset = header.length;
  for (let index = 0; index < numTables; index += 1) {
    const entry = 44 + 20 * index;
    const [tableOffset, compressedLength, length, checksum] = [4, 8, 12, 16].map((at) => woff.readUInt32BE(entry + at));
    const stored = woff.subarray(tableOffset, tableOffset + compressedLength);
    const data = compressedLength < length ? inflateSync(stored) : stored;
    const record = 12 + 16 * index;
    woff.copy(header, record, entry, entry + 4); // tag
    header.writeUInt32BE(checksum, record + 4);
    header.writeUInt32BE(offset, record + 8);
    header.writeUInt32BE(length, record + 12);
    const padded = Buffer.alloc(Math.ceil(length / 4) * 4); // tables start on 4-byte boundaries
    data.copy(padded);
    chunks.push(padded);
    offset += padded.length;
  }
  return Buffer.concat(chunks);
}
