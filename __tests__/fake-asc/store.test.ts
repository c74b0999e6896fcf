import { describe, expect, it } from 'vitest';
import { expectNoViolations } from '../../test-support/fake-asc/index.js';
import { harness, harnessWithApp } from './helpers.js';

describe('fake App Store Connect: JSON:API collections', () => {
  it('pages with cursor `next` links that keep the filters, capped at pageSizeCap', async () => {
    const { fake, api, app } = await harnessWithApp({ pageSizeCap: 2 });
    const other = fake.addApp({ bundleId: 'com.example.other' });
    for (let n = 1; n <= 5; n++) fake.addBuild({ appId: app.id, version: '1.0', buildNumber: String(n) });
    fake.addBuild({ appId: other.id, version: '1.0', buildNumber: '99' });
    const seen: string[] = [];
    let next: string | undefined = `/v1/builds?filter[app]=${app.id}&limit=200&sort=-version`;
    let pages = 0;
    while (next) {
      const res = await api('GET', next);
      expect(res.status).toBe(200);
      expect(res.body.meta.paging).toMatchObject({ total: 5, limit: 2 });
      seen.push(...res.body.data.map((b: { attributes: { version: string } }) => b.attributes.version));
      next = res.body.links.next;
      if (next) {
        expect(next.startsWith(fake.url)).toBe(true);
        expect(new URL(next).searchParams.get('filter[app]')).toBe(app.id);
        expect(new URL(next).searchParams.get('cursor')).toBeTruthy();
      }
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['5', '4', '3', '2', '1']);
    expectNoViolations(fake);
  });

  it('rejects a cursor it did not make', async () => {
    const { api } = await harness();
    const res = await api('GET', '/v1/builds?cursor=garbage');
    expect(res.status).toBe(400);
    expect(res.body.errors[0].source).toEqual({ parameter: 'cursor' });
  });

  it('treats comma-separated filter values as OR and follows relationships in filter names', async () => {
    const { fake, api, app } = await harnessWithApp();
    fake.addBuild({ appId: app.id, version: '1.0', buildNumber: '1' });
    fake.addBuild({ appId: app.id, version: '1.1', buildNumber: '2', processingState: 'PROCESSING' });
    fake.addBuild({ appId: app.id, version: '1.1', buildNumber: '3', platform: 'MAC_OS', expired: true });
    const versions = async (query: string, states = '&filter[processingState]=PROCESSING,FAILED,INVALID,VALID') =>
      (await api('GET', `/v1/builds?${query}${query.includes('processingState') ? '' : states}`)).body.data
        .map((b: { attributes: { version: string } }) => b.attributes.version)
        .sort();
    // Without filter[processingState] Apple lists VALID builds only (asc CLI #759).
    expect(await versions('filter[version]=1,2,3', '')).toEqual(['1', '3']);
    expect(await versions('filter[version]=1,3')).toEqual(['1', '3']);
    expect(await versions('filter[preReleaseVersion.version]=1.1')).toEqual(['2', '3']);
    expect(await versions('filter[preReleaseVersion.version]=1.1&filter[preReleaseVersion.platform]=IOS')).toEqual(['2']);
    expect(await versions('filter[processingState]=PROCESSING,INVALID')).toEqual(['2']);
    expect(await versions('filter[expired]=false')).toEqual(['1', '2']);
    expect(await versions(`filter[app]=${app.id}&exists[usesNonExemptEncryption]=false`)).toEqual(['1', '2', '3']);
    const apps = await api('GET', '/v1/apps?filter[bundleId]=com.example.app,com.example.none');
    expect(apps.body.data.map((a: { id: string }) => a.id)).toEqual([app.id]);
  });

  it('sends relationship data only for included relationships, and the included resources', async () => {
    const { fake, api, app } = await harnessWithApp();
    const build = fake.addBuild({ appId: app.id, version: '2.0', buildNumber: '7' });
    const plain = await api('GET', `/v1/builds/${build.id}`);
    expect(plain.body.data.relationships.preReleaseVersion).toEqual({
      links: {
        self: `${fake.url}/v1/builds/${build.id}/relationships/preReleaseVersion`,
        related: `${fake.url}/v1/builds/${build.id}/preReleaseVersion`,
      },
    });
    expect(plain.body.included).toBeUndefined();
    const res = await api('GET', `/v1/builds/${build.id}?include=preReleaseVersion,buildBetaDetail,betaBuildLocalizations`);
    const prvId = res.body.data.relationships.preReleaseVersion.data.id;
    expect(res.body.data.relationships.buildBetaDetail.data).toEqual({ type: 'buildBetaDetails', id: build.id });
    expect(res.body.included).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'preReleaseVersions', id: prvId, attributes: { version: '2.0', platform: 'IOS' } }),
        expect.objectContaining({ type: 'buildBetaDetails', id: build.id }),
        expect.objectContaining({ type: 'betaBuildLocalizations', attributes: { whatsNew: null, locale: 'en-US' } }),
      ]),
    );
    expect(res.body.links.self).toBe(
      `${fake.url}/v1/builds/${build.id}?include=preReleaseVersion%2CbuildBetaDetail%2CbetaBuildLocalizations`,
    );
  });

  it('answers related resources, and an empty to-one relationship with data null', async () => {
    const { fake, api } = await harness();
    const app = fake.addApp({ bundleId: 'com.example.app', primaryLocale: 'de-DE' });
    const build = fake.addBuild({ appId: app.id, version: '1.0', buildNumber: '1' });
    fake.addBuild({ appId: app.id, version: '1.0', buildNumber: '2' });
    const prv = await api('GET', `/v1/builds/${build.id}/preReleaseVersion`);
    expect(prv.body.data.attributes).toEqual({ version: '1.0', platform: 'IOS' });
    expect((await api('GET', `/v1/preReleaseVersions/${prv.body.data.id}/builds`)).body.data).toHaveLength(2);
    expect((await api('GET', `/v1/apps/${app.id}/preReleaseVersions`)).body.data).toHaveLength(1);
    const locs = await api('GET', `/v1/builds/${build.id}/betaBuildLocalizations`);
    expect(locs.body.data.map((l: { attributes: unknown }) => l.attributes)).toEqual([{ whatsNew: null, locale: 'de-DE' }]);
    const none = await api('GET', `/v1/builds/${build.id}/betaAppReviewSubmission`);
    expect(none).toMatchObject({ status: 200, body: { data: null } });
    expect((await api('GET', `/v1/apps/${app.id}/betaAppReviewDetail`)).body.data.attributes.contactEmail).toBe('review@example.com');
    expectNoViolations(fake);
  });

  it('sorts builds by uploadedDate and app store versions carry their build', async () => {
    const { fake, api, app } = await harnessWithApp();
    const old = fake.addBuild({ appId: app.id, version: '1.0', buildNumber: '10', uploadedDate: '2024-01-01T00:00:00.000Z' });
    fake.addBuild({ appId: app.id, version: '1.1', buildNumber: '9', uploadedDate: '2024-06-01T00:00:00.000Z' });
    const sorted = await api('GET', `/v1/builds?filter[app]=${app.id}&sort=-uploadedDate`);
    expect(sorted.body.data.map((b: { attributes: { version: string } }) => b.attributes.version)).toEqual(['9', '10']);
    const byVersion = await api('GET', `/v1/builds?filter[app]=${app.id}&sort=version`);
    expect(byVersion.body.data.map((b: { attributes: { version: string } }) => b.attributes.version)).toEqual(['9', '10']);
    fake.addAppStoreVersion(app.id, '1.0', old.id);
    const versions = await api('GET', `/v1/apps/${app.id}/appStoreVersions?include=build&filter[platform]=IOS`);
    expect(versions.body.data[0].attributes).toMatchObject({ versionString: '1.0', appStoreState: 'READY_FOR_SALE' });
    expect(versions.body.data[0].relationships.build.data).toEqual({ type: 'builds', id: old.id });
    expect(versions.body.included[0]).toMatchObject({ type: 'builds', id: old.id, attributes: { version: '10' } });
    expectNoViolations(fake);
  });
});
