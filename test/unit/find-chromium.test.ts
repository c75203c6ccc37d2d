import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findChromium } from '../browser/find-chromium';

describe('finding a Chromium for the browser test', () => {
  let dir: string;
  let systemChromium: string;
  let ownChromium: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'nightshift-find-chromium-'));
    systemChromium = path.join(dir, 'chromium');
    ownChromium = path.join(dir, 'my-chromium');
    await writeFile(systemChromium, '');
    await writeFile(ownChromium, '');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prefers CHROMIUM_PATH over a system Chromium', async () => {
    const found = await findChromium({ CHROMIUM_PATH: ownChromium }, [systemChromium]);

    expect(found).toEqual({ executablePath: ownChromium, source: 'CHROMIUM_PATH' });
  });

  it('names CHROMIUM_PATH when it points nowhere', async () => {
    await expect(findChromium({ CHROMIUM_PATH: path.join(dir, 'missing') }, [systemChromium])).rejects.toThrow(
      /CHROMIUM_PATH points to .*missing/,
    );
  });

  it('takes the first usual install path that exists', async () => {
    const found = await findChromium({}, [path.join(dir, 'not-here'), systemChromium]);

    expect(found).toEqual({ executablePath: systemChromium, source: 'system' });
  });
});
