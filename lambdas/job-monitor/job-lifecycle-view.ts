import type { Expectation } from '#shared/expectation-store';
import { nextExpectedRun, oneShotCheckedIn } from '#shared/expected-runs';
import type { JobMute } from '#shared/job-mutes';
import type { JobView } from './job-views';

/**
 * The lifecycle fields of the on-call view, added to views built from statuses and expectations:
 * whether the job is muted (and why, until when), when it should run next, and "not yet run" for a
 * job that is expected but has never reported (a built-in or HTTP job before its first run).
 */
export interface LifecycleSources {
  /** Active mutes by job_key. */
  mutes: ReadonlyMap<string, JobMute>;
  expectations: readonly Expectation[];
  /** Labels of each job's latest report (tags, owner); the expectation's win. */
  reportLabels: ReadonlyMap<string, { tags?: string[]; owner?: string | null }>;
  now: Date;
}

/**
 * The next run the expectation names, in ISO UTC: a cron's next fire time (as EventBridge fires it), an
 * interval after the last report (after the expectation's creation, before any), or a one-shot's run_at
 * until its run has reported (also while it is overdue: that run is still the one expected); null without one.
 */
function nextRunOf(expectation: Expectation | undefined, view: JobView, now: Date): string | null {
  if (!expectation || expectation.problem) return null;
  if (expectation.runOnceAt !== undefined) {
    const checkIn = view.reported_at ? new Date(view.reported_at) : undefined;
    return oneShotCheckedIn(expectation.runOnceAt, checkIn) ? null : new Date(expectation.runOnceAt).toISOString();
  }
  try {
    if (expectation.everyMinutes !== undefined) {
      const since = Math.max(Date.parse(expectation.createdAt), Date.parse(view.reported_at ?? '') || 0);
      return new Date(since + expectation.everyMinutes * 60_000).toISOString();
    }
    return nextExpectedRun(expectation, now).toISOString();
  } catch {
    return null; // the watchdog marks the expectation's problem; the page shows it there
  }
}

export function withLifecycleFields(views: readonly JobView[], sources: LifecycleSources): JobView[] {
  const expectations = new Map(sources.expectations.map((expectation) => [expectation.jobKey, expectation]));
  return views.map((view) => {
    const mute = sources.mutes.get(view.job_key);
    const expectation = expectations.get(view.job_key);
    const reported = sources.reportLabels.get(view.job_key);
    return {
      ...view,
      tags: expectation?.tags ?? reported?.tags ?? [],
      owner: expectation?.owner ?? reported?.owner ?? null,
      muted: mute ? { until: mute.until, reason: mute.reason } : null,
      next_expected_run: view.next_expected_run ?? nextRunOf(expectation, view, sources.now),
      ...(view.status === null && view.health === undefined && !view.late ? { health: 'not_yet_run' as const } : {}),
    };
  });
}
