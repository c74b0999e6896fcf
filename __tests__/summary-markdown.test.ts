import { describe, expect, it } from 'vitest';
import { finishPostProcessing } from '../src/commands/report.js';
import { checkRunPayload } from '../src/report/check-run.js';
import { messageMarkdown, stateSection } from '../src/summary.js';
import { plannedState } from '../test-support/deferred.js';
import { recordingRuntime } from '../test-support/log.js';

/** An app name as Apple returns it, chosen by whoever named the app: a link, a tracking image, a team mention, HTML. */
const HOSTILE_NAME = '[Sign in](https://example.net) ![t](https://example.net/p.png) @octo/everyone <img src=x>';
/** A failure text that closes its fence and plants a link after it. */
const BREAKOUT = 'Apple said:\n```\n[click](https://example.net)\n````';

const hostileState = () => {
  const state = plannedState({
    app: { id: '1', bundleId: 'com.example.md', name: HOSTILE_NAME },
    build: { version: '1.0', buildNumber: '3', platform: 'IOS' },
    skip: ['upload-state'],
  });
  state.status = 'failed';
  state.failure = BREAKOUT;
  return state;
};

/** Markdown outside code blocks: what GitHub renders as links, images, mentions or HTML. */
function rendered(markdown: string): string {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const m = /^(`{3,})/.exec(line);
    if (m && (!fence || (m[1]!.length >= fence.length && line.trim() === m[1]))) {
      fence = fence ? undefined : m[1];
      continue;
    }
    if (!fence) out.push(line);
  }
  return out.join('\n');
}

/** Our own links, whose addresses hold only ids. */
const OWN_LINKS = /\[(Open in App Store Connect|Open the version in App Store Connect|Workflow run)\]\(/g;

function expectInert(markdown: string): void {
  const text = rendered(markdown).replace(OWN_LINKS, '');
  expect(text).not.toMatch(/(^|[^\\])\[[^\]]*\]\(/); // no link or image
  expect(text).not.toMatch(/(^|[^\\])@octo/); // no mention
  expect(text).not.toMatch(/(^|[^\\])<img/); // no HTML
  expect(text).not.toContain('[click]');
}

describe('job summary and check run: every value is text', () => {
  it('the heading escapes the app name, and the failure is escaped text that wraps (no fence to break out of)', () => {
    const section = stateSection(hostileState());
    expect(section).toContain('### \\[Sign in\\](https\\://example.net)');
    expectInert(section);
    expect(section).toContain('Apple said:');
    expect(section).not.toMatch(/^```/m);
  });

  it('backticks in a message never open a fence; `code` spans stay code', () => {
    expect(messageMarkdown('x ```` y')).toBe('x \\`\\`\\`\\` y');
    expect(messageMarkdown('```\n[a](https://e.net)\n```')).not.toMatch(/^```|[^\\]\[a\]\(/m);
    expect(messageMarkdown('set `beta-groups`')).toBe('set `beta-groups`');
  });

  it('a package that failed before it had a state: its label escaped, its error fenced', async () => {
    const runtime = recordingRuntime();
    await finishPostProcessing([], runtime, 'publish', { label: HOSTILE_NAME, error: new Error(BREAKOUT) }).catch(() => undefined);
    expect(runtime.summary.join('')).toContain('### \\[Sign in\\]');
    expectInert(runtime.summary.join(''));
  });

  it('the check run summary escapes the failure the same way', () => {
    const payload = checkRunPayload(hostileState(), { runUrl: 'https://github.com/octo/app/actions/runs/1' });
    expectInert(payload.output.summary);
  });
});
