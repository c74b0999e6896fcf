import { describe, expect, it } from 'vitest';
import { bounded, MAX_TITLE_CHARS } from '../../src/report/check-run.js';
import { messageMarkdown } from '../../src/summary.js';
import { inBrief } from '../../src/words.js';

/** How a message reads on GitHub: in the job summary, in a table cell, in a check run's title. */
describe('rendering a message for a reader', () => {
  const refusal = [
    'App Review submission of version 1.1 was refused (HTTP 409):',
    '- The description is required.',
    '- App screenshot missing (APP_IPHONE_67).',
    'Fix these in App Store Connect, then run `command: distribute` for build 11 with `submit-app-store-review: true`.',
  ].join('\n');

  it('as Markdown that wraps: paragraphs and a list, never a fenced block; `code` stays code', () => {
    expect(messageMarkdown(refusal)).toBe(
      [
        'App Review submission of version 1.1 was refused \\(HTTP 409\\):',
        '',
        '- The description is required.',
        '- App screenshot missing \\(APP\\_IPHONE\\_67\\).'.replace(/\\_/g, '_'),
        '',
        'Fix these in App Store Connect, then run `command: distribute` for build 11 with `submit-app-store-review: true`.',
      ].join('\n'),
    );
    expect(messageMarkdown(refusal)).not.toContain('```');
  });

  it('text outside code spans cannot plant a link, an image or HTML', () => {
    const hostile = messageMarkdown('Group "[click](https://evil.example)" <img src=x> ![i](https://evil.example/i.png) `ok`');
    expect(hostile).not.toMatch(/(?<!\\)\[click\]\(/);
    expect(hostile).not.toMatch(/(?<!\\)<img/);
    expect(hostile).toContain('https\\://evil.example');
    expect(hostile).toContain('`ok`');
  });

  it('in brief for a table cell: the whole message on one line, no dangling ":" and no list marks', () => {
    expect(inBrief("Apple marked the build INVALID. Apple's reasons:\n- ITMS-90035: Invalid Signature.\nFix the package.", 300)).toBe(
      "Apple marked the build INVALID. Apple's reasons: ITMS-90035: Invalid Signature. Fix the package.",
    );
    expect(inBrief('one\ntwo', 300)).toBe('one; two');
    expect(inBrief('x'.repeat(400), 300)).toHaveLength(301);
  });

  it(`as a check run title: at most ${MAX_TITLE_CHARS} characters, cut at a word, no backticks, no trailing colon`, () => {
    const long = bounded(
      'Failed: Processing (step `processing`) failed for com.example.app 1.1 (11): Apple marked the build INVALID. Apple’s reasons:',
    );
    expect([...long].length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
    expect(long).not.toContain('`');
    expect(long).toMatch(/[\w)]…$/);
    expect(bounded('Failed: Beta groups: Apple said:')).toBe('Failed: Beta groups: Apple said');
    expect(bounded('Ready for testers')).toBe('Ready for testers');
  });
});
