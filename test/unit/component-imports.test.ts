import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { componentImportViolations } from '../support/component-imports';

const REPO_ROOT = path.join(__dirname, '..', '..');

describe('the import rule of lambdas/', () => {
  it('holds in this repository: no component imports another one, shared imports none, nothing imports lib/', () => {
    expect(componentImportViolations(REPO_ROOT)).toEqual([]);
  });

  describe('catches every spelling of a reference into another folder', () => {
    let root: string;
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    };

    beforeAll(() => {
      root = mkdtempSync(path.join(tmpdir(), 'component-imports-'));
      write('package.json', JSON.stringify({ imports: { '#shared/*': './lambdas/shared/*.ts' } }));
      write(
        'lambdas/http-scheduler/api.ts',
        [
          "import { router } from '../job-monitor/router';",
          "import type { View } from '../job-monitor/views';",
          "export * from '../../lambdas/job-monitor/pages';",
          `import { absolute } from '${path.join(root, 'lambdas/job-monitor/absolute')}';`,
          "import { sneaky } from '#shared/../job-monitor/sneaky';",
          "import legacy = require('../job-monitor/legacy');",
          "type Lazy = import('../job-monitor/lazy').Lazy;",
          "const required = require('../job-monitor/required');",
          "const later = import('../job-monitor/later');",
          "import { unknownAlias } from '#nowhere/x';",
          "import { spec } from '../../lib/jobs';",
          "import { ok } from './own';",
          "import { logger } from '#shared/logger';",
          "import { http } from '#shared/http/router';",
          "import { schema } from '../../contracts/analytics-messages';",
          "import { z } from 'zod';",
          "// import { commented } from '../job-monitor/commented';",
        ].join('\n'),
      );
      write('lambdas/shared/logger.ts', "import { page } from '../job-monitor/page';\nexport const x = 1;");
      write('lambdas/job-monitor/router.ts', "import { logger } from '#shared/logger';");
    });

    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('names each offending import with the file and where it points', () => {
      const violations = componentImportViolations(root);

      expect(violations).toEqual([
        "lambdas/http-scheduler/api.ts imports '../job-monitor/router' (lambdas/job-monitor/router)",
        "lambdas/http-scheduler/api.ts imports '../job-monitor/views' (lambdas/job-monitor/views)",
        "lambdas/http-scheduler/api.ts imports '../../lambdas/job-monitor/pages' (lambdas/job-monitor/pages)",
        `lambdas/http-scheduler/api.ts imports '${path.join(root, 'lambdas/job-monitor/absolute')}' (lambdas/job-monitor/absolute)`,
        "lambdas/http-scheduler/api.ts imports '#shared/../job-monitor/sneaky' (lambdas/job-monitor/sneaky.ts)",
        "lambdas/http-scheduler/api.ts imports '../job-monitor/legacy' (lambdas/job-monitor/legacy)",
        "lambdas/http-scheduler/api.ts imports '../job-monitor/lazy' (lambdas/job-monitor/lazy)",
        "lambdas/http-scheduler/api.ts imports '../job-monitor/required' (lambdas/job-monitor/required)",
        "lambdas/http-scheduler/api.ts imports '../job-monitor/later' (lambdas/job-monitor/later)",
        'lambdas/http-scheduler/api.ts imports \'#nowhere/x\' (<no package.json "imports" entry>/#nowhere/x)',
        "lambdas/http-scheduler/api.ts imports '../../lib/jobs' (lib/jobs)",
        "lambdas/shared/logger.ts imports '../job-monitor/page' (lambdas/job-monitor/page)",
      ]);
    });
  });
});
