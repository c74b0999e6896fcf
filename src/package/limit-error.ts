/**
 * A package file that a bounded reader refused: malformed past what can be read safely, or larger
 * than such a file can be. The message says which bound; the package readers turn it into one
 * "malformed or too large" error naming the file.
 */
export class PackageLimitError extends Error {
  override name = 'PackageLimitError';
}
