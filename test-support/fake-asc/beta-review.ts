/**
 * TestFlight beta review in the fake: a submission goes WAITING_FOR_REVIEW → IN_REVIEW → APPROVED by the
 * fake's clock (from its `submittedDate`), as Apple's do, unless a test decides it first (approve or
 * reject), after which the clock leaves it alone. Computed when the fake is asked, so no timers run.
 */
import type { Store } from './store.js';
import type { FakeTiming, StoredResource } from './types.js';

export type BetaReviewDecision = 'APPROVED' | 'REJECTED';

export interface FakeBetaReview {
  /** Apple approves the build's beta review now. */
  approve(buildId: string): void;
  /** Apple rejects the build's beta review now. */
  reject(buildId: string): void;
}

export class BetaReviews implements FakeBetaReview {
  /** Submissions a test decided: the clock no longer moves them. */
  private readonly decided = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly timing: () => FakeTiming,
    private readonly now: () => number,
    /** Recomputes the build's beta states (externalBuildState follows the review). */
    private readonly onChange: (build: StoredResource) => void,
  ) {}

  approve(buildId: string): void {
    this.decide(buildId, 'APPROVED');
  }

  reject(buildId: string): void {
    this.decide(buildId, 'REJECTED');
  }

  /** Moves every undecided review on by the clock. */
  advance(): void {
    const { betaReviewStartsAfterMs = Infinity, betaReviewMs = Infinity } = this.timing();
    const now = this.now();
    for (const submission of this.store.all('betaAppReviewSubmissions')) {
      if (this.decided.has(submission.id)) continue;
      const since = now - Date.parse(String(submission.attributes.submittedDate));
      const state = submission.attributes.betaReviewState;
      const next =
        since >= betaReviewStartsAfterMs + betaReviewMs
          ? 'APPROVED'
          : since >= betaReviewStartsAfterMs
            ? 'IN_REVIEW'
            : 'WAITING_FOR_REVIEW';
      if (
        (state === 'WAITING_FOR_REVIEW' || state === 'IN_REVIEW') &&
        next !== state &&
        !(state === 'IN_REVIEW' && next === 'WAITING_FOR_REVIEW')
      )
        this.set(submission, next);
    }
  }

  private decide(buildId: string, decision: BetaReviewDecision): void {
    const submission = this.store.all('betaAppReviewSubmissions').find((s) => s.rel.build === buildId);
    if (!submission) throw new Error(`fake App Store Connect: build ${buildId} has no beta review submission`);
    this.decided.add(submission.id);
    this.set(submission, decision);
  }

  private set(submission: StoredResource, state: string): void {
    submission.attributes.betaReviewState = state;
    const build = this.store.get('builds', String(submission.rel.build));
    if (build) this.onChange(build);
  }
}
