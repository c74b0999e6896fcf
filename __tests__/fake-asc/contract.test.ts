import { describe, expect, it } from 'vitest';
import type { Env } from '../../test-support/fake-asc/context.js';
import { checkResponse, matchOperation } from '../../test-support/fake-asc/contract.js';
import { expectNoViolations } from '../../test-support/fake-asc/index.js';
import { readHandlers } from '../../test-support/fake-asc/routes.js';
import { testflightHandlers } from '../../test-support/fake-asc/testflight.js';
import { Uploads } from '../../test-support/fake-asc/uploads.js';
import { harness, harnessWithApp, rel } from './helpers.js';

const uploadBody = (appId: string, attributes: Record<string, unknown>) => ({
  data: { type: 'buildUploads', attributes, relationships: { app: rel('apps', appId) } },
});

describe('fake App Store Connect: contract checks against openapi.json', () => {
  it('implements only operations that exist in the document', () => {
    const env = {} as Env;
    const keys = Object.keys({ ...readHandlers(env), ...testflightHandlers(env), ...new Uploads(env).handlers() });
    expect(keys.length).toBeGreaterThan(45);
    for (const key of keys) {
      const [method, template] = key.split(' ') as [string, string];
      const m = matchOperation(method, template.replace('{id}', 'x'));
      expect(m.template, key).toBe(template);
      expect(m.op, key).toBeDefined();
    }
  });

  it('rejects a build upload without cfBundleVersion, records the violation and creates nothing', async () => {
    const { fake, api, app } = await harnessWithApp();
    const res = await api('POST', '/v1/buildUploads', uploadBody(app.id, { cfBundleShortVersionString: '1.0', platform: 'IOS' }));
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({
      code: 'ENTITY_ERROR.ATTRIBUTE.REQUIRED',
      source: { pointer: '/data/attributes/cfBundleVersion' },
    });
    expect(fake.violations).toEqual([{ method: 'POST', path: '/v1/buildUploads', message: expect.stringContaining("'cfBundleVersion'") }]);
    expect(fake.resources('buildUploads')).toEqual([]);
    expect(() => expectNoViolations(fake)).toThrow(/POST \/v1\/buildUploads: .*cfBundleVersion/);
  });

  it('rejects a bad enum value in a body', async () => {
    const { fake, api, app } = await harnessWithApp();
    const res = await api(
      'POST',
      '/v1/buildUploads',
      uploadBody(app.id, { cfBundleShortVersionString: '1.0', cfBundleVersion: '1', platform: 'ANDROID' }),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].code).toBe('ENTITY_ERROR.ATTRIBUTE.INVALID');
    expect(res.body.errors[0].detail).toContain('/data/attributes/platform');
    expect(fake.violations).toHaveLength(1);
  });

  it('rejects members the schema does not declare, as Apple does', async () => {
    const { fake, api, app } = await harnessWithApp();
    const res = await api(
      'POST',
      '/v1/buildUploads',
      uploadBody(app.id, { cfBundleShortVersionString: '1.0', cfBundleVersion: '1', platform: 'IOS', bundleId: 'x' }),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ code: 'ENTITY_ERROR.ATTRIBUTE.UNKNOWN', source: { pointer: '/data/attributes/bundleId' } });
    expect(fake.violations).toHaveLength(1);
  });

  it('rejects an undeclared query parameter, a bad enum value, a repeated parameter and a limit over 200', async () => {
    const { fake, api } = await harness();
    const cases: Array<[string, string, string]> = [
      ['/v1/builds?filter[bundleId]=com.example.app', 'PARAMETER_ERROR.ILLEGAL', 'filter[bundleId]'],
      ['/v1/builds?filter[processingState]=VALID,DONE', 'PARAMETER_ERROR.INVALID', 'filter[processingState]'],
      ['/v1/builds?include=preReleaseVersion,buildUploads', 'PARAMETER_ERROR.INVALID', 'include'],
      ['/v1/builds?sort=version&sort=-version', 'PARAMETER_ERROR.INVALID', 'sort'],
      ['/v1/builds?limit=201', 'PARAMETER_ERROR.INVALID', 'limit'],
      ['/v1/builds?limit=0', 'PARAMETER_ERROR.INVALID', 'limit'],
      ['/v1/apps/123/builds?filter[version]=1', 'PARAMETER_ERROR.ILLEGAL', 'filter[version]'],
      ['/v1/betaAppReviewSubmissions', 'PARAMETER_ERROR.INVALID', 'filter[build]'],
      ['/v1/builds/123?cursor=abc', 'PARAMETER_ERROR.ILLEGAL', 'cursor'],
    ];
    for (const [path, code, parameter] of cases) {
      const res = await api('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body.errors[0], path).toMatchObject({ status: '400', code, source: { parameter } });
    }
    expect(fake.violations).toHaveLength(cases.length);
  });

  it('accepts declared fields[...] and limit[...] parameters and `cursor` on collections', async () => {
    const { fake, api } = await harness();
    expect((await api('GET', '/v1/builds?fields[builds]=version,processingState&limit[betaGroups]=10&limit=5')).status).toBe(200);
    const cursor = Buffer.from(JSON.stringify({ offset: '0' })).toString('base64url');
    expect((await api('GET', `/v1/builds?cursor=${cursor}`)).status).toBe(200);
    expectNoViolations(fake);
  });

  it('answers 404 for paths outside the API, recording them, and 404 NOT_FOUND for a missing resource without a violation', async () => {
    const { fake, api } = await harness();
    const unknown = await api('GET', '/v1/buildz');
    expect(unknown.status).toBe(404);
    expect(fake.violations.map((v) => v.path)).toEqual(['/v1/buildz']);
    const method = await api('PUT', '/v1/builds/abc', { data: {} });
    expect(method.status).toBe(404);
    expect(fake.violations).toHaveLength(2);
    const missing = await api('GET', '/v1/builds/does-not-exist');
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0]).toMatchObject({
      status: '404',
      code: 'NOT_FOUND',
      detail: "There is no resource of type 'builds' with id 'does-not-exist'",
    });
    expect(fake.violations).toHaveLength(2);
  });

  it('rejects malformed JSON, a body without application/json, a missing body, and the wrong id in a PATCH', async () => {
    const { fake, api, token, app } = await harnessWithApp();
    const build = fake.addBuild({ appId: app.id, version: '1.0', buildNumber: '1' });
    const auth = { authorization: `Bearer ${await token()}` };
    const bad = await fetch(`${fake.url}/v1/buildUploads`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"data":',
    });
    expect(bad.status).toBe(400);
    const text = await fetch(`${fake.url}/v1/buildUploads`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(text.status).toBe(400);
    expect((await api('POST', '/v1/buildUploads')).status).toBe(400);
    expect(fake.violations).toHaveLength(3);
    const patch = await api('PATCH', `/v1/builds/${build.id}`, {
      data: { type: 'builds', id: 'other', attributes: { usesNonExemptEncryption: false } },
    });
    expect(patch.status).toBe(409);
    expect(fake.resource('builds', build.id).attributes.usesNonExemptEncryption).toBeNull();
  });

  it('checks its own responses against the document', async () => {
    const { fake, api, app } = await harnessWithApp();
    fake.addBetaGroup(app.id, 'QA');
    const build = fake.addBuild({ appId: app.id, version: '1.0', buildNumber: '1' });
    fake.addAppStoreVersion(app.id, '1.0', build.id);
    const paths = [
      `/v1/apps?filter[bundleId]=com.example.app&include=betaGroups,preReleaseVersions,builds`,
      `/v1/apps/${app.id}`,
      `/v1/apps/${app.id}/builds`,
      `/v1/apps/${app.id}/betaGroups`,
      `/v1/apps/${app.id}/preReleaseVersions`,
      `/v1/apps/${app.id}/appStoreVersions?include=build`,
      `/v1/apps/${app.id}/betaAppReviewDetail`,
      `/v1/apps/${app.id}/buildUploads`,
      `/v1/builds?include=preReleaseVersion,buildBetaDetail,app,betaBuildLocalizations,betaGroups,appStoreVersion,buildUpload`,
      `/v1/builds/${build.id}?include=preReleaseVersion,buildBetaDetail`,
      `/v1/builds/${build.id}/betaBuildLocalizations`,
      `/v1/builds/${build.id}/buildBetaDetail`,
      `/v1/builds/${build.id}/preReleaseVersion`,
      `/v1/builds/${build.id}/betaAppReviewSubmission`,
      `/v1/buildBetaDetails/${build.id}`,
      `/v1/betaGroups?filter[app]=${app.id}`,
      `/v1/preReleaseVersions?filter[app]=${app.id}&include=builds,app`,
      `/v1/betaBuildLocalizations?filter[build]=${build.id}&include=build`,
      `/v1/betaAppReviewDetails/${app.id}`,
    ];
    for (const path of paths) expect((await api('GET', path)).status, path).toBe(200);
    expectNoViolations(fake);
  });
});

describe('fake App Store Connect: response checks', () => {
  const op = matchOperation('GET', '/v1/builds/abc').op!;
  const build = (attributes: Record<string, unknown>) => ({
    data: { type: 'builds', id: 'abc', attributes },
    links: { self: 'http://127.0.0.1/v1/builds/abc' },
  });

  it('passes a valid response, with Apple’s nulls for unset values', () => {
    expect(checkResponse(op, build({ version: '1', processingState: 'VALID', usesNonExemptEncryption: null }))).toEqual([]);
  });

  it('flags a wrong enum value, an undeclared attribute and a missing links member', () => {
    expect(checkResponse(op, build({ processingState: 'DONE' }))).toEqual([expect.stringContaining('/data/attributes/processingState')]);
    expect(checkResponse(op, build({ buildNumber: '1' }))).toEqual([
      '/data/attributes/buildNumber is not declared by #/components/schemas/BuildResponse',
    ]);
    expect(checkResponse(op, { data: { type: 'builds', id: 'abc' } })).toEqual([expect.stringContaining("'links'")]);
  });
});
