/**
 * Answers read with a bound: a server (or whatever answers in its place) that sends hundreds of MB is
 * refused once the bound is passed, reading chunk by chunk, never holding more than the bound.
 */

/** An answer larger than any the caller expects: named, and never retried (the same request gets the same). */
export class AnswerTooLargeError extends Error {
  override name = 'AnswerTooLargeError';
}

/** The body as text, refused with AnswerTooLargeError past `maxBytes` (declared or read), the rest left unread. */
export async function readTextBounded(response: Response, maxBytes: number, what: string): Promise<string> {
  const tooLarge = (seen: string) =>
    new AnswerTooLargeError(
      `${what} is larger than ${maxBytes} bytes (${seen}), far more than any answer it is read for: refused without reading it. Check the address it was sent to; something other than the expected server may be answering.`,
    );
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(`it declares ${declared}`);
  }
  if (!response.body) return '';
  const decoder = new TextDecoder();
  let text = '';
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(`more than ${maxBytes} read`);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
