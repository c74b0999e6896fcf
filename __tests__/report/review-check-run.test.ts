import { describe, expect, it } from 'vitest';
import type { PostProcessingState } from '../../src/postprocess/state.js';
import { checkRunPayload } from '../../src/report/check-run.js';
import { stateSection } from '../../src/summary.js';
import { plannedState } from '../../test-support/deferred.js';

/** What the check run says while `follow-review` watches Apple's decisions, and once it ends. */
const RUN_URL = 'https://github.com/octo/app/actions/runs/78';
const HOUR = 3_600_000;

function watching(): PostProcessingState {
  const s = plannedState({
    app: { id: '6400000001', bundleId: 'com.example.demo', name: 'Demo' },
    build: { version: '2.1', buildNumber: '42', platform: 'IOS', id: 'b-1' },
    uploadedAt: new Date('2026-12-01T10:00:00Z'),
    request: {
      submitBetaReview: true,
      notifyTesters: true,
      followReview: true,
      reviewTimeoutMs: 72 * HOUR,
      appStore: { notes: [], cancelPreviousSubmission: false },
    },
    skip: ['upload-state'],
  });
  for (const [name, p] of Object.entries(s.steps)) if (!name.endsWith('-decision') && name !== 'notify-testers') p.status = 'done';
  s.steps['beta-review-decision'] = { status: 'pending', detail: 'beta review WAITING_FOR_REVIEW', startedAt: '2026-12-01T10:30:00Z' };
  s.steps['app-store-review-decision'] = { status: 'pending', detail: 'App Review IN_REVIEW', startedAt: '2026-12-01T10:30:00Z' };
  s.deadlines.betaReview = '2026-12-04T10:30:00.000Z';
  s.deadlines.appStoreReview = '2026-12-04T10:31:00.000Z';
  return s;
}

describe('the check run while following review', () => {
  it('in progress: what Apple is deciding, since when; the notification waits in the table', () => {
    const payload = checkRunPayload(watching(), { runUrl: RUN_URL });
    expect(payload.status).toBe('in_progress');
    expect(payload.output.title).toBe('Waiting for TestFlight beta review and App Review (since 2026-12-01 10:30 UTC)');
    expect(payload.output.title.length).toBeLessThanOrEqual(80);
    const rows = payload.output.summary.split('\n').filter((l) => l.startsWith('| '));
    // Testers are notified after the beta review's decision, and the table says it in that order.
    expect(rows.map((r) => r.split('|')[1]!.trim()).slice(-3)).toEqual([
      'TestFlight beta review decision',
      'Tester notification',
      'App Review decision',
    ]);
  });

  it('only App Review left: "Waiting for App Review (since …)"', () => {
    const s = watching();
    s.steps['beta-review-decision'] = { status: 'done', detail: 'APPROVED' };
    s.steps['notify-testers'] = { status: 'done', detail: 'notification sent' };
    expect(checkRunPayload(s, { runUrl: RUN_URL }).output.title).toBe('Waiting for App Review (since 2026-12-01 10:31 UTC)');
  });

  it('no decision in time: neutral, naming what is still pending at Apple', () => {
    const s = watching();
    s.status = 'timed-out';
    s.steps['beta-review-decision'] = {
      status: 'timed-out',
      detail: 'no decision within `review-timeout` (72 h from the submission); last state: beta review WAITING_FOR_REVIEW',
    };
    s.steps['app-store-review-decision'] = { status: 'timed-out', detail: 'no decision …; last state: App Review IN_REVIEW' };
    s.steps['notify-testers'] = { status: 'skipped' };
    const payload = checkRunPayload(s, { runUrl: RUN_URL });
    expect(payload).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(payload.output.title).toBe('No review decision in time: TestFlight beta review and App Review still open');
    // The last state Apple showed for each is in the step table.
    expect(payload.output.summary).toContain('last state: beta review waiting for review');
    expect(stateSection(s)).toContain('⌛ no decision in time');
  });

  it('approved: success, saying what App Review decided and what happens next', () => {
    const s = watching();
    s.status = 'completed';
    s.steps['beta-review-decision'] = { status: 'done', detail: 'APPROVED' };
    s.steps['notify-testers'] = { status: 'done' };
    s.steps['app-store-review-decision'] = { status: 'done', detail: 'APPROVED (PENDING_APPLE_RELEASE): scheduled' };
    const payload = checkRunPayload(s, { runUrl: RUN_URL });
    expect(payload).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(payload.output.title).toBe('Approved by App Review: scheduled');
  });
});
