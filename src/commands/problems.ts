/**
 * The preflight's problems, collected rather than thrown one at a time where the checks are
 * independent (a used build number does not hide an unknown group), so one run names them all. A new
 * check adds a problem with `check`; anything other than a user's problem (a bug, Apple down) is
 * thrown on at once.
 */
import { InputError, UserError } from '../errors.js';

/** Every problem a preflight found, in the order found; its message lists them all. */
class PreflightProblems extends UserError {
  override name = 'PreflightProblems';
  constructor(readonly problems: readonly Error[]) {
    super(
      problems.length === 1
        ? problems[0]!.message
        : `${problems.length} problems stop this run; nothing was uploaded:\n${problems.map((p, i) => `${i + 1}. ${p.message}`).join('\n')}`,
    );
  }
}

export class Problems {
  private readonly found: Error[] = [];

  /** Runs one independent check; an InputError or UserError it throws is kept, anything else is thrown. */
  async check(run: () => unknown): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (error instanceof InputError || error instanceof UserError) this.found.push(error);
      else throw error;
    }
  }

  add(problem: Error): void {
    this.found.push(problem);
  }

  get list(): readonly Error[] {
    return this.found;
  }

  /** Throws every problem found as one error; none: returns. */
  throwIfAny(): void {
    if (this.found.length) throw new PreflightProblems([...this.found]);
  }
}
