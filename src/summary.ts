import { LIVE_STATES, type AppStoreVersionState } from './asc/app-store-types.js';
import type { Platform } from './domain.js';
import { STEP_NAMES, type PostProcessingState, type StepStatus } from './postprocess/state.js';
import { stepTitle } from './postprocess/steps/registry.js';
import { enumsInWords, formatDuration } from './words.js';

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
  pending: '⏳ pending',
  waiting: '⏳ waiting',
};

const PLATFORM_PATH: Record<Platform, string> = { IOS: 'ios', MAC_OS: 'macos', TV_OS: 'tvos', VISION_OS: 'visionos' };

export function buildLink(appId: string, platform: Platform, buildId?: string): string {
  const base = `https://appstoreconnect.apple.com/apps/${appId}/testflight/${PLATFORM_PATH[platform]}`;
  return buildId ? `${base}/${buildId}` : base;
}

/** The App Store version's page in App Store Connect: the version in flight, or the live one. */
export function appStoreVersionLink(appId: string, platform: Platform, versionState?: AppStoreVersionState): string {
  const which = versionState && LIVE_STATES.includes(versionState) ? 'deliverable' : 'inflight';
  return `https://appstoreconnect.apple.com/apps/${appId}/distribution/${PLATFORM_PATH[platform]}/version/${which}`;
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
    `${b.platform} · bundle ID \`${state.app.bundleId}\` · app ${state.app.id}${b.id ? ` · build ${b.id}` : ''} · [Open in App Store Connect](${buildLink(state.app.id, b.platform, b.id)})`,
  );
  const store = state.appStore;
  if (store?.versionId) {
    const seen = store.versionState ? ` · ${escapeCell(enumsInWords(store.versionState))}` : '';
    lines.push(
      '',
      `App Store version ${store.versionId}${seen}${store.submissionId ? ` · review submission ${store.submissionId}` : ''} · [Open the version in App Store Connect](${appStoreVersionLink(state.app.id, b.platform, store.versionState)})`,
    );
  }
  if (state.failure) lines.push('', codeBlock(state.failure));
  lines.push('');
  return lines.join('\n');
}

/** The step table's lines (header and one row per step), shared by the job summary and the check run. */
export function stepTable(state: PostProcessingState, before: ExtraRow[] = []): string[] {
  const lines = ['| Step | Result | Detail | Time |', '| --- | --- | --- | --- |'];
  for (const row of before) lines.push(row_(row.title, ICONS[row.status], row.detail, row.durationMs));
  for (const name of STEP_NAMES) {
    const p = state.steps[name];
    if (!p) continue;
    const duration = p.startedAt && p.finishedAt ? Date.parse(p.finishedAt) - Date.parse(p.startedAt) : undefined;
    const icon = p.status === 'pending' && p.startedAt ? ICONS.waiting : ICONS[p.status];
    lines.push(row_(stepTitle(name), icon, p.detail, duration));
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
  return text
    .replace(/[\\`[\]()!<>|@]/g, '\\$&')
    .replace(/:\/\//g, '\\://')
    .replace(/www\./gi, (m) => `${m.slice(0, 3)}\\.`)
    .replace(/\r?\n/g, '<br>');
}

/**
 * Text for a heading or a line: like `escapeCell` (no link, image, HTML, code or mention; bare addresses
 * broken), with parentheses and pipes left as they are, which outside a table and without brackets are text.
 */
export function escapeText(text: string): string {
  return text
    .replace(/[\\`[\]!<>@]/g, '\\$&')
    .replace(/:\/\//g, '\\://')
    .replace(/www\./gi, (m) => `${m.slice(0, 3)}\\.`)
    .replace(/\r\n|\r|\n/g, ' ');
}

/** Text as a fenced code block whose fence is longer than any run of backticks in it, so it cannot break out. */
export function codeBlock(text: string): string {
  const fence = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${fence}\n${text}\n${fence}`;
}
