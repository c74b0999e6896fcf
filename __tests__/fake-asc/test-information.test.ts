import { describe, expect, it } from 'vitest';
import { expectNoViolations } from '../../test-support/fake-asc/index.js';
import { harness, rel } from './helpers.js';

async function fresh() {
  const h = await harness();
  const app = h.fake.addApp({ bundleId: 'com.example.fresh', testInformation: false });
  const build = h.fake.addBuild({ appId: app.id, version: '1.0', buildNumber: '1', usesNonExemptEncryption: false });
  return { h, app, build };
}

const createLocalization = (attributes: Record<string, unknown>, appId: string) => ({
  data: { type: 'betaAppLocalizations', attributes, relationships: { app: rel('apps', appId) } },
});

describe('fake App Store Connect: TestFlight Test Information', () => {
  it('a fresh app has none; a default app has a complete one', async () => {
    const { h, app } = await fresh();
    expect((await h.api('GET', `/v1/apps/${app.id}/betaAppLocalizations`)).body.data).toEqual([]);
    const detail = (await h.api('GET', `/v1/apps/${app.id}/betaAppReviewDetail`)).body.data;
    expect(detail.attributes.contactEmail).toBeNull();
    const other = h.fake.addApp({ bundleId: 'com.example.ready', primaryLocale: 'de-DE' });
    const locs = (await h.api('GET', `/v1/apps/${other.id}/betaAppLocalizations`)).body.data;
    expect(locs.map((l: { attributes: { locale: string } }) => l.attributes.locale)).toEqual(['de-DE']);
    expectNoViolations(h.fake);
  });

  it('creates and updates localizations with Apple-like validation', async () => {
    const { h, app } = await fresh();
    const created = await h.api('POST', '/v1/betaAppLocalizations', createLocalization({ locale: 'en-US', description: 'Hi' }, app.id));
    expect(created.status).toBe(201);
    expect((await h.api('POST', '/v1/betaAppLocalizations', createLocalization({ locale: 'en-US' }, app.id))).status).toBe(409);
    expect((await h.api('POST', '/v1/betaAppLocalizations', createLocalization({ locale: 'xx' }, app.id))).status).toBe(409);
    const id = created.body.data.id;
    const patch = (attributes: Record<string, unknown>) =>
      h.api('PATCH', `/v1/betaAppLocalizations/${id}`, { data: { type: 'betaAppLocalizations', id, attributes } });
    const badEmail = await patch({ feedbackEmail: 'nope' });
    expect(badEmail.status).toBe(409);
    expect(badEmail.body.errors[0].source.pointer).toBe('/data/attributes/feedbackEmail');
    expect((await patch({ marketingUrl: 'not a url' })).status).toBe(409);
    expect((await patch({ description: 'x'.repeat(4001) })).status).toBe(409);
    expect((await patch({ feedbackEmail: 'beta@example.com' })).status).toBe(200);
    expect(h.fake.resource('betaAppLocalizations', id).attributes).toMatchObject({ description: 'Hi', feedbackEmail: 'beta@example.com' });
    expectNoViolations(h.fake);
  });

  it('answers the beta review submission with a bare 500 while the feedback e-mail is empty (codemagic cli-tools #118)', async () => {
    const { h, app, build } = await fresh();
    const submit = () =>
      h.api('POST', '/v1/betaAppReviewSubmissions', {
        data: { type: 'betaAppReviewSubmissions', relationships: { build: rel('builds', build.id) } },
      });
    const bare = await submit();
    expect(bare.status).toBe(500);
    expect(bare.body.errors[0].code).toBe('UNEXPECTED_ERROR');
    expect(JSON.stringify(bare.body)).not.toMatch(/feedback/i);
    await h.api('POST', '/v1/betaAppLocalizations', createLocalization({ locale: 'en-US', feedbackEmail: 'beta@example.com' }, app.id));
    // Then the review contact, as before.
    expect((await submit()).status).toBe(422);
    const detail = await h.api('PATCH', `/v1/betaAppReviewDetails/${app.id}`, {
      data: {
        type: 'betaAppReviewDetails',
        id: app.id,
        attributes: { contactFirstName: 'J', contactLastName: 'A', contactPhone: '+1 555 0100', contactEmail: 'j@example.com' },
      },
    });
    expect(detail.status).toBe(200);
    expect((await submit()).status).toBe(201);
    expectNoViolations(h.fake);
  });

  it('groups carry a public link when enabled', async () => {
    const { h, app } = await fresh();
    h.fake.addBetaGroup(app.id, 'Public', { publicLink: true });
    h.fake.addBetaGroup(app.id, 'Closed');
    const groups = (await h.api('GET', `/v1/betaGroups?filter[app]=${app.id}&fields[betaGroups]=name,publicLinkEnabled,publicLink`)).body
      .data;
    expect(
      groups.map((g: { attributes: Record<string, unknown> }) => [
        g.attributes.name,
        g.attributes.publicLinkEnabled,
        !!g.attributes.publicLink,
      ]),
    ).toEqual([
      ['Public', true, true],
      ['Closed', false, false],
    ]);
    expectNoViolations(h.fake);
  });
});
