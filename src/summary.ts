import { appStoreVersionLink, buildLink } from './links.js';
import { stepOrder, type PostProcessingState, type StepStatus } from './postprocess/state.js';
import { stepTitle } from './postprocess/steps/registry.js';
import { enumsInWords, formatDuration, platformName } from './words.js';

/** A row for work done before post-processing (the upload), in the same table. */
export interface ExtraRow {
  title: string;
  status: StepStatus;
  detail?: string;
  durationMs?: number;
}

const ICONS: Record<StepStatus | 'waiting', string> = {
  done: '✅ done',
  skipped: '⏭️ skipped',
  warning: '⚠️ warning',
  failed: '❌ failed',
  'timed-out': '⌛ no decision in time',
  pending: '⏳ pending',
  waiting: '⏳ waiting',
};

/** ` · [TestFlight public link](…)` when a named external group has one (checked as Apple's join link when read). */
export function publicLinkText(state: PostProcessingState): string {
  const link = state.testflight?.publicLink;
  return link ? ` · [TestFlight public link](${link})` : '';
}

/** One package's section: heading, step table and the App Store Connect link. */
export function stateSection(state: PostProcessingState, options: { before?: ExtraRow[]; outcome?: string } = {}): string {
  const b = state.build;
  const outcome = options.outcome ?? state.status;
  const lines = [
    `### ${escapeText(`${state.app.name ?? state.app.bundleId} ${b.version} (${b.buildNumber})`)} — ${outcome}`,
    '',
    ...stepTable(state, options.before),
    '',
  ];
  lines.push(
    `${platformName(b.platform)} · bundle ID \`${state.app.bundleId}\` · app ${state.app.id}${b.id ? ` · build ${b.id}` : ''} · [Open in App Store Connect](${buildLink(state.app.id, b.platform, b.id)})${publicLinkText(state)}`,
  );
  const store = state.appStore;
  if (store?.versionId) {
    const seen = store.versionState ? ` · ${escapeCell(enumsInWords(store.versionState))}` : '';
    lines.push(
      '',
      `App Store version ${store.versionId}${seen}${store.submissionId ? ` · review submission ${store.submissionId}` : ''} · [Open the version in App Store Connect](${appStoreVersionLink(state.app.id, b.platform, store.versionState)})`,
    );
  }
  if (state.failure) lines.push('', messageMarkdown(state.failure));
  lines.push('');
  return lines.join('\n');
}

/** The step table's lines (header and one row per step), shared by the job summary and the check run. */
export function stepTable(state: PostProcessingState, before: ExtraRow[] = []): string[] {
  const lines = ['| Step | Result | Detail | Time |', '| --- | --- | --- | --- |'];
  for (const row of before) lines.push(row_(row.title, ICONS[row.status], row.detail, row.durationMs));
  for (const name of stepOrder(state.request)) {
    const p = state.steps[name];
    if (!p) continue;
    const duration = p.startedAt && p.finishedAt ? Date.parse(p.finishedAt) - Date.parse(p.startedAt) : undefined;
    // After a final failure, a step still pending will never run.
    const neverRuns = p.status === 'pending' && state.status === 'failed';
    const icon = neverRuns ? ICONS.skipped : p.status === 'pending' && p.startedAt ? ICONS.waiting : ICONS[p.status];
    lines.push(row_(stepTitle(name), icon, neverRuns ? 'not run: an earlier step failed' : p.detail, duration));
  }
  return lines;
}

function row_(title: string, result: string, detail: string | undefined, durationMs: number | undefined): string {
  return `| ${title} | ${result} | ${escapeCell(enumsInWords(detail ?? ''))} | ${formatDuration(durationMs)} |`;
}

/**
 * Text for a Markdown table cell: every character that could start a link, an image, HTML, code, a
 * mention or a new cell is escaped, and bare web addresses are broken, so text from a state, a package
 * or a server shows as text and never plants a link in the job summary. Line breaks become `<br>`.
 */
export function escapeCell(text: string): string {
  return inert(text, /[\\`[\]()!<>|@]/g).replace(/\r?\n/g, '<br>');
}

/** `text` with `special` characters escaped and bare web addresses broken: no link, image, HTML, code or mention. */
function inert(text: string, special: RegExp): string {
  return text
    .replace(special, '\\$&')
    .replace(/:\/\//g, '\\://')
    .replace(/www\./gi, (m) => `${m.slice(0, 3)}\\.`);
}

/**
 * A message for a reader, as Markdown that wraps (a fenced block would not): each line a paragraph, "- "
 * lines a list, `code` spans kept, everything else escaped as in a table cell.
 */
export function messageMarkdown(text: string): string {
  const out: string[] = [];
  let inList = false;
  for (const raw of text.trim().split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const item = /^[-*•]\s+(.*)$/.exec(line);
    const body = (item ? item[1]! : line)
      .split(/(`[^`\n]+`)/)
      .map((part, i) => (i % 2 === 1 ? part : escapeCell(part)))
      .join('');
    if (item) {
      if (!inList && out.length) out.push('');
      out.push(`- ${body}`);
    } else {
      if (out.length) out.push('');
      out.push(body);
    }
    inList = !!item;
  }
  return out.join('\n');
}

/**
 * Text for a heading or a line: like `escapeCell` (no link, image, HTML, code or mention; bare addresses
 * broken), with parentheses and pipes left as they are, which outside a table and without brackets are text.
 */
export function escapeText(text: string): string {
  return inert(text, /[\\`[\]!<>@]/g).replace(/\r\n|\r|\n/g, ' ');
}
