/**
 * Locales App Store Connect accepts for TestFlight "What to Test" notes (the App Store localization
 * codes). A typo here would otherwise surface only after the upload, as Apple's 409.
 */
export const TESTFLIGHT_LOCALES: readonly string[] = [
  'ar-SA',
  'bn-BD',
  'ca',
  'cs',
  'da',
  'de-DE',
  'el',
  'en-AU',
  'en-CA',
  'en-GB',
  'en-US',
  'es-ES',
  'es-MX',
  'fi',
  'fr-CA',
  'fr-FR',
  'gu-IN',
  'he',
  'hi',
  'hr',
  'hu',
  'id',
  'it',
  'ja',
  'kn-IN',
  'ko',
  'ml-IN',
  'mr-IN',
  'ms',
  'nl-NL',
  'no',
  'or-IN',
  'pa-IN',
  'pl',
  'pt-BR',
  'pt-PT',
  'ro',
  'ru',
  'sk',
  'sl-SI',
  'sv',
  'ta-IN',
  'te-IN',
  'th',
  'tr',
  'uk',
  'ur-PK',
  'vi',
  'zh-Hans',
  'zh-Hant',
];

/** The accepted spelling of a locale, matched without regard to case or `_` vs `-`. */
export function canonicalLocale(locale: string): string | undefined {
  const key = locale.trim().replace(/_/g, '-').toLowerCase();
  return TESTFLIGHT_LOCALES.find((l) => l.toLowerCase() === key);
}
