/** `npm run runbook`: writes docs/runbook.md from the registry and the alarm factory. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { JOBS } from '../lib/jobs';
import { renderRunbook } from './runbook';

export const RUNBOOK_FILE = path.resolve(__dirname, '..', 'docs', 'runbook.md');

if (require.main === module) {
  writeFileSync(RUNBOOK_FILE, renderRunbook(JOBS));
  console.log(`wrote ${path.relative(process.cwd(), RUNBOOK_FILE)}`);
}
