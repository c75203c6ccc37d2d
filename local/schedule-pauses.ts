import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Local mode's pause switch, as EventBridge Scheduler's schedule state is on AWS: a file listing the
 * paused schedules (`<job>/<schedule>`), read by each local schedule when it fires, so `ops pause`
 * works from another process without restarting `npm start`.
 */
export const pausedSchedulesFile = (localDir: string): string => path.join(localDir, 'paused-schedules.json');

export function readPausedSchedules(localDir: string): Set<string> {
  const file = pausedSchedulesFile(localDir);
  if (!existsSync(file)) return new Set();
  try {
    const names = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return new Set(Array.isArray(names) ? names.map(String) : []);
  } catch {
    return new Set(); // a half-written file must not stop every schedule
  }
}

/** Pauses or resumes these schedules; returns each one's state before the change. */
export function setSchedulesPaused(localDir: string, names: readonly string[], paused: boolean): Map<string, boolean> {
  const current = readPausedSchedules(localDir);
  const before = new Map(names.map((name) => [name, current.has(name)]));
  for (const name of names) {
    if (paused) current.add(name);
    else current.delete(name);
  }
  mkdirSync(localDir, { recursive: true });
  // Written whole then renamed, so a schedule firing meanwhile reads the old list or the new one.
  const file = pausedSchedulesFile(localDir);
  writeFileSync(`${file}.tmp`, JSON.stringify([...current].sort(), null, 2));
  renameSync(`${file}.tmp`, file);
  return before;
}
