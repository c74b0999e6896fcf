import type { Platform } from './config.js';
import { STEP_NAMES, STEP_TITLES, type PostProcessingState, type StepStatus } from './postprocess/state.js';
import { enumsInWords } from './words.js';

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

/** One package's section: heading, step table and the App Store Connect link. */
export function stateSection(state: PostProcessingState, options: { before?: ExtraRow[]; outcome?: string } = {}): string {
  const b = state.build;
  const outcome = options.outcome ?? state.status;
  const lines = [
    `### ${state.app.name ?? state.app.bundleId} ${b.version} (${b.buildNumber}) — ${outcome}`,
    '',
    '| Step | Result | Detail | Time |',
    '| --- | --- | --- | --- |',
  ];
  for (const row of options.before ?? []) lines.push(row_(row.title, ICONS[row.status], row.detail, row.durationMs));
  for (const name of STEP_NAMES) {
    const p = state.steps[name];
    if (!p) continue;
    const duration = p.startedAt && p.finishedAt ? Date.parse(p.finishedAt) - Date.parse(p.startedAt) : undefined;
    const icon = p.status === 'pending' && p.startedAt ? ICONS.waiting : ICONS[p.status];
    lines.push(row_(STEP_TITLES[name], icon, p.detail, duration));
  }
  lines.push('');
  lines.push(
    `${b.platform} · bundle ID \`${state.app.bundleId}\` · app ${state.app.id}${b.id ? ` · build ${b.id}` : ''} · [Open in App Store Connect](${buildLink(state.app.id, b.platform, b.id)})`,
  );
  if (state.failure) lines.push('', '```', state.failure, '```');
  lines.push('');
  return lines.join('\n');
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function row_(title: string, result: string, detail: string | undefined, durationMs: number | undefined): string {
  return `| ${title} | ${result} | ${escapeCell(enumsInWords(detail ?? ''))} | ${formatDuration(durationMs)} |`;
}

export function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}
