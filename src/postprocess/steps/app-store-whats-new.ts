/** Step `app-store-whats-new`: "What's New" on every existing language of the version. */
import { APPROVED_STATES, RELEASED_STATES } from '../../asc/app-store-types.js';
import { AscApiError, isTransient } from '../../asc/errors.js';
import { UserError, errorMessage } from '../../errors.js';
import { appStoreOf, needVersionId, stateOf } from './app-store-shared.js';
import { done, skipped, warning, type StepRun } from './types.js';

export const appStoreWhatsNewStep: StepRun = async (state, { asc, log }) => {
  const { request, record } = appStoreOf(state);
  const versionId = needVersionId(state);
  const versionState = record.versionState;
  if (versionState && (APPROVED_STATES.includes(versionState) || RELEASED_STATES.includes(versionState))) {
    return skipped(`the version is ${versionState}: its What's New is left as App Review saw it`);
  }
  if (request.notes.length === 0) return skipped('no notes given (`app-store-release-notes` or the TestFlight notes)');

  const { versions } = await asc.appStore.versions.list(state.app.id, { platform: state.build.platform });
  if (!versions.some((v) => v.id !== versionId && RELEASED_STATES.includes(stateOf(v)!))) {
    const notice = `first App Store version of the app on ${state.build.platform}: Apple takes no "What's New" on it, so none was set`;
    log.info(`What's New: ${notice}.`);
    return skipped(notice);
  }

  const primaryLocale = (await asc.apps.get(state.app.id)).attributes?.primaryLocale;
  const byLocale = new Map(request.notes.map((n) => [n.locale, n.text]));
  // The primary language's text covers the others; a single text is taken as that text.
  const fallback = (primaryLocale && byLocale.get(primaryLocale)) ?? (request.notes.length === 1 ? request.notes[0]!.text : undefined);
  const localizations = await asc.appStore.localizations.list(versionId);
  const present = new Set(localizations.map((l) => l.attributes?.locale));

  const changes: string[] = [];
  const fellBack: string[] = [];
  const uncovered: string[] = [];
  const failures: Array<{ locale: string; error: unknown }> = [];
  for (const loc of localizations) {
    const locale = loc.attributes?.locale ?? loc.id;
    let text = byLocale.get(locale);
    if (text === undefined) {
      if (fallback === undefined) {
        uncovered.push(locale);
        continue;
      }
      text = fallback;
      fellBack.push(locale);
    }
    const from = fellBack.includes(locale) ? ` (${primaryLocale ?? 'primary'} text)` : '';
    if ((loc.attributes?.whatsNew ?? '') === text) {
      changes.push(`${locale} unchanged${from}`);
      continue;
    }
    try {
      await asc.appStore.localizations.updateWhatsNew(loc.id, text);
      changes.push(`${locale} set${from}`);
    } catch (error) {
      // Apple refuses the field itself on a first version (seen when our first-version check could not tell).
      if (firstVersionRefusal(error) && changes.length === 0 && failures.length === 0) {
        const notice = 'Apple takes no "What\'s New" on this version (an app\'s first version), so none was set';
        log.info(`What's New: ${notice}.`);
        return skipped(notice);
      }
      failures.push({ locale, error });
    }
  }

  if (failures.length) {
    const transient = failures.find((f) => isTransient(f.error));
    if (transient && failures.every((f) => isTransient(f.error))) throw transient.error;
    throw new UserError(
      `"What's New" could not be set for ${failures.map((f) => f.locale).join(', ')}${changes.length ? ` (done: ${changes.join(', ')})` : ''}:\n${failures
        .map((f) => `- ${f.locale}: ${errorMessage(f.error).replace(/\n/g, '\n  ')}`)
        .join('\n')}\nFix the text (or the language) and run again: the languages already set are not rewritten.`,
    );
  }
  if (fellBack.length) {
    log.info(
      `What's New: ${fellBack.join(', ')} ${fellBack.length > 1 ? 'have' : 'has'} no text of its own in the notes, so ${fellBack.length > 1 ? 'they get' : 'it gets'} the ${primaryLocale ?? 'primary'} text (Apple requires What's New on every language of an update).`,
    );
  }
  const missing = request.notes.map((n) => n.locale).filter((l) => !present.has(l));
  const warnings: string[] = [];
  if (missing.length) {
    warnings.push(
      `the version has no ${missing.join(', ')} language, so ${missing.length > 1 ? 'those texts were' : 'that text was'} not used (add the language in App Store Connect to publish it)`,
    );
  }
  if (uncovered.length) {
    warnings.push(
      `${uncovered.join(', ')} got no text: the notes have none for ${uncovered.length > 1 ? 'them' : 'it'} nor for the primary language ${primaryLocale ?? ''}; Apple requires What's New on every language of an update`,
    );
  }
  const detail = [changes.join(', '), ...warnings].filter(Boolean).join('; ');
  return warnings.length ? warning(detail) : done(detail);
};

function firstVersionRefusal(error: unknown): boolean {
  return (
    error instanceof AscApiError &&
    error.status === 409 &&
    error.hasCode('STATE_ERROR') &&
    error.errors.some((e) => e.source?.pointer === '/data/attributes/whatsNew')
  );
}
