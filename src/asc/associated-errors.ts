/**
 * Apple refuses an App Review submission with one error whose `meta.associatedErrors` lists everything
 * missing (screenshots, description, age rating, privacy answers…), keyed by the resource at fault.
 * Shown one per line, each with the App Store Connect page where it is fixed.
 */
import { oneLine } from '../words.js';
import { associatedErrors, describeEntry, type AscApiError, type AscErrorEntry } from './errors.js';

/** Bounds what a hostile or broken answer can make us print. */
const MAX_LINES = 100;
const MAX_TEXT = 300;

interface Place {
  /** The resource type in the associated error's key (`/v1/appScreenshotSets/…`), or a word of its title. */
  match: RegExp;
  where: string;
}

/** From the most specific to the most general. The version page is "your app → the platform → the version". */
const PLACES: Place[] = [
  { match: /screenshot/i, where: 'App Store tab → the version page → Previews and Screenshots (for every device size asked)' },
  { match: /preview/i, where: 'App Store tab → the version page → Previews and Screenshots' },
  { match: /whatsNew|what's new/i, where: "App Store tab → the version page → What's New in This Version (every language)" },
  { match: /description/i, where: 'App Store tab → the version page → Description (every language)' },
  { match: /keywords/i, where: 'App Store tab → the version page → Keywords (every language)' },
  { match: /supportUrl|support url/i, where: 'App Store tab → the version page → Support URL (every language)' },
  { match: /marketingUrl/i, where: 'App Store tab → the version page → Marketing URL' },
  { match: /copyright/i, where: 'App Store tab → the version page → Copyright (or the `copyright` input)' },
  { match: /build/i, where: 'App Store tab → the version page → Build' },
  { match: /appStoreReviewDetail|review detail|contact/i, where: 'App Store tab → the version page → App Review Information' },
  { match: /ageRating|age rating/i, where: 'App Information → Age Rating' },
  { match: /contentRights|content rights/i, where: 'App Information → Content Rights' },
  { match: /privacyPolicy|privacy policy/i, where: 'App Privacy → Privacy Policy URL' },
  { match: /dataUsage|data usage|privacy|data your app collects/i, where: 'App Privacy → Data Collection (publish the answers)' },
  { match: /categor/i, where: 'App Information → Category' },
  { match: /appInfoLocalization|subtitle|name/i, where: 'App Information → Name and Subtitle (every language)' },
  { match: /price|pricing|availability|territor/i, where: 'Pricing and Availability' },
  {
    match: /encryption|export compliance/i,
    where: 'App Information → App Encryption Documentation, or the `uses-non-exempt-encryption` input',
  },
  { match: /agreement|contract|tax|banking/i, where: 'Business → Agreements, Tax, and Banking (Account Holder)' },
  { match: /appStoreVersionLocalization/i, where: 'App Store tab → the version page (every language)' },
  { match: /appStoreVersion/i, where: 'App Store tab → the version page' },
  { match: /appInfo/i, where: 'App Information' },
];

/** Where in App Store Connect an associated error is fixed. */
export function placeToFix(resourcePath: string, entry: AscErrorEntry): string {
  const pointer = entry.source?.pointer ?? '';
  const attribute = pointer.split('/').pop() ?? '';
  const resourceType = /\/v\d+\/([A-Za-z]+)/.exec(resourcePath)?.[1] ?? '';
  // The attribute at fault says most, then the resource type, then Apple's words.
  for (const text of [attribute, resourceType, `${entry.code ?? ''} ${entry.title ?? ''} ${entry.detail ?? ''}`]) {
    if (!text) continue;
    const place = PLACES.find((p) => p.match.test(text));
    if (place) return place.where;
  }
  return "App Store Connect → your app (Apple's message above names the field)";
}

/** Every associated error of every entry, one line each: what is wrong, and where to fix it. */
export function associatedErrorLines(error: Pick<AscApiError, 'errors'>): string[] {
  const lines: string[] = [];
  for (const [path, a] of error.errors.flatMap(associatedErrors)) {
    if (lines.length >= MAX_LINES) {
      lines.push('- … (more errors: see the version in App Store Connect)');
      return lines;
    }
    const what =
      [a.title, a.detail]
        .filter((t): t is string => !!t)
        .map(clip)
        .join(' — ') || clip(a.code ?? 'unnamed error');
    const code = a.code ? ` [${clip(a.code)}]` : '';
    lines.push(`- ${what}${code} → fix in App Store Connect: ${placeToFix(path, a)}`);
  }
  return lines;
}

/** Apple's refusal, each entry and then each associated error on its own line. */
export function describeRefusal(error: Pick<AscApiError, 'errors' | 'status'>, what: string): string {
  const heads = error.errors.map((e) => `- ${oneLine(describeEntry(e), MAX_TEXT)}`);
  const associated = associatedErrorLines(error);
  const lines = [`App Store Connect refused ${what} (HTTP ${error.status}):`, ...heads];
  if (associated.length) lines.push(`What to fix (${associated.length}):`, ...associated);
  return lines.join('\n');
}

function clip(text: string): string {
  return oneLine(text, MAX_TEXT);
}
