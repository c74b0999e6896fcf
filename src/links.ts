/** Pages of App Store Connect that reports and errors link to (no import beyond Apple's words, so any layer may use them). */
import { LIVE_STATES, type AppStoreVersionState } from './asc/app-store-types.js';
import type { Platform } from './domain.js';

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
