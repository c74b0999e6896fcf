import type { Platform } from '../config.js';
import { enc } from './apps.js';
import type { AscHttp } from './http.js';
import type { BuildUpload, BuildUploadFile, BuildUploadState, Document } from './types.js';

export class BuildUploadsApi {
  constructor(private readonly http: AscHttp) {}

  async create(appId: string, attributes: { version: string; buildNumber: string; platform: Platform }): Promise<BuildUpload> {
    const body = {
      data: {
        type: 'buildUploads',
        attributes: {
          cfBundleShortVersionString: attributes.version,
          cfBundleVersion: attributes.buildNumber,
          platform: attributes.platform,
        },
        relationships: { app: { data: { type: 'apps', id: appId } } },
      },
    };
    return (await this.http.post<Document<BuildUpload>>('/v1/buildUploads', body)).data;
  }

  /** With `includeBuild`, the `build` relationship carries the build's id once Apple has made it. */
  async get(id: string, options: { includeBuild?: boolean } = {}): Promise<BuildUpload> {
    return (
      await this.http.get<Document<BuildUpload>>(`/v1/buildUploads/${enc(id)}`, { include: options.includeBuild ? 'build' : undefined })
    ).data;
  }

  /** Deletes a build upload that never got its file, freeing its build number. */
  async delete(id: string): Promise<void> {
    await this.http.delete(`/v1/buildUploads/${enc(id)}`);
  }

  /** An app's build uploads for one version and build number (pre-check and recovery after a lost answer). */
  async list(
    appId: string,
    q: { version?: string; buildNumber?: string; platform?: Platform; states?: BuildUploadState[] },
  ): Promise<BuildUpload[]> {
    return this.http.getAll<BuildUpload>(`/v1/apps/${enc(appId)}/buildUploads`, {
      'filter[cfBundleShortVersionString]': q.version,
      'filter[cfBundleVersion]': q.buildNumber,
      'filter[platform]': q.platform,
      'filter[state]': q.states,
      limit: 200,
    });
  }

  /** Reserves the package file; Apple answers with the upload operations (URLs and byte ranges). */
  async reserveFile(
    buildUploadId: string,
    file: { fileName: string; fileSize: number; uti: 'com.apple.ipa' | 'com.apple.pkg' },
  ): Promise<BuildUploadFile> {
    const body = {
      data: {
        type: 'buildUploadFiles',
        attributes: { fileName: file.fileName, fileSize: file.fileSize, uti: file.uti, assetType: 'ASSET' },
        relationships: { buildUpload: { data: { type: 'buildUploads', id: buildUploadId } } },
      },
    };
    return (await this.http.post<Document<BuildUploadFile>>('/v1/buildUploadFiles', body)).data;
  }

  async getFile(id: string): Promise<BuildUploadFile> {
    return (await this.http.get<Document<BuildUploadFile>>(`/v1/buildUploadFiles/${enc(id)}`)).data;
  }

  async files(buildUploadId: string): Promise<BuildUploadFile[]> {
    return this.http.getAll<BuildUploadFile>(`/v1/buildUploads/${enc(buildUploadId)}/buildUploadFiles`, { limit: 200 });
  }

  /** Tells Apple every part is sent, so it starts processing (Apple takes no client checksum here). */
  async commitFile(id: string): Promise<BuildUploadFile> {
    const body = { data: { type: 'buildUploadFiles', id, attributes: { uploaded: true } } };
    return (await this.http.patch<Document<BuildUploadFile>>(`/v1/buildUploadFiles/${enc(id)}`, body)).data;
  }
}
