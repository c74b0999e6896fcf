/** A problem with an input the user gave: the message names the input and says what to do. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`Input \`${input}\`: ${message}`);
  }
}

/** A failure the user can act on that is not about one input (missing app record, duplicate build…). */
export class UserError extends Error {
  override name = 'UserError';
}

/**
 * A write attempted in a dry run: a code path that should have been skipped was not. Not a UserError,
 * so it is never reported as the user's problem: it is a bug in this action, and tests fail loudly on it.
 */
export class DryRunWriteError extends Error {
  override name = 'DryRunWriteError';
  constructor(what: string) {
    super(`Internal error: the dry run tried to write (${what}); nothing was sent. Please report this.`);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The first line of a message, for a table cell or a one-line detail. */
export function firstLine(text: string | undefined): string {
  return (text ?? '').trim().split(/\r?\n/)[0]?.trim() ?? '';
}
