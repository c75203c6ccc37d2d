import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The profiles the AWS SDK can find: section names of the shared config file (`[default]`,
 * `[profile NAME]`) and credentials file (`[NAME]`), at the paths the SDK reads. The SDK's own
 * reader is not a dependency of this package (only of the SDK), and its error for a missing
 * profile does not name the profile, so the CLI reads the section headers itself.
 */
export function awsProfiles(env: NodeJS.ProcessEnv): { files: string[]; profiles: Set<string> } {
  const home = env.HOME ?? os.homedir();
  const config = env.AWS_CONFIG_FILE ?? path.join(home, '.aws', 'config');
  const credentials = env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(home, '.aws', 'credentials');
  const profiles = new Set<string>();
  for (const [file, isConfig] of [
    [config, true],
    [credentials, false],
  ] as const) {
    if (!existsSync(file)) continue;
    for (const match of readFileSync(file, 'utf8').matchAll(/^\s*\[\s*([^\]]+?)\s*\]/gm)) {
      const section = match[1];
      if (!isConfig) profiles.add(section);
      else if (section === 'default') profiles.add(section);
      else if (section.startsWith('profile ')) profiles.add(section.slice('profile '.length).trim());
    }
  }
  return { files: [config, credentials], profiles };
}
