import type { Platform } from '../domain.js';
import { UserError } from '../errors.js';
import { enc } from './apps.js';
import { AscApiError } from './errors.js';
import type { AscHttp } from './http.js';
import type { BuildUpload, BuildUploadFile, BuildUploadState, Document } from './types.js';

export interface UploadTarget {
  version: string;
  buildNumber: string;
  platform: Platform;
}

export interface PackageFile {
  fileName: string;
  fileSize: number;
  uti: 'com.apple.ipa' | 'com.apple.pkg';
}

export class BuildUploadsApi {
  constructor(private readonly http: AscHttp) {}

  /**
   * Creates the build upload for this package. A build upload still waiting for this package (ours,
   * whose answer was lost, or left by an interrupted run) is taken over; anything else Apple answers 409
   * to is a duplicate build number, or a key without access to the app, each explained.
   */
  async create(appId: string, target: UploadTarget, file: PackageFile): Promise<BuildUpload> {
    const body = {
      data: {
        type: 'buildUploads',
        attributes: { cfBundleShortVersionString: target.version, cfBundleVersion: target.buildNumber, platform: target.platform },
        relationships: { app: { data: { type: 'apps', id: appId } } },
      },
    };
    const waitingWithoutFile = async (): Promise<Document<BuildUpload> | undefined> => {
      for (const upload of await this.list(appId, { ...target, states: ['AWAITING_UPLOAD'] })) {
        if ((await this.files(upload.id)).length === 0) {
          this.http.log.info(`Reusing build upload ${upload.id}, which is waiting for its file.`);
          return { data: upload };
        }
      }
      return undefined;
    };
    try {
      const doc = await this.http.post<Document<BuildUpload>>('/v1/buildUploads', body, { readBack: waitingWithoutFile });
      return doc.data;
    } catch (error) {
      if (!(error instanceof AscApiError && error.status === 409)) throw error;
      if (error.hasCode('ENTITY_ERROR.RELATIONSHIP.INVALID')) {
        // Expo #3463: Apple's answer when the key cannot see the app it uploads to.
        throw new UserError(
          `${error.message}\nThis API key cannot access app ${appId}: give it access in App Store Connect → Users and Access → Integrations (a key limited to some apps must include this one), or check \`app-id\`.`,
        );
      }
      const abandoned = await this.abandonedFor(appId, target, file);
      if (!abandoned) {
        throw new UserError(
          `${error.message}\nBuild number ${target.buildNumber} of version ${target.version} (${target.platform}) is already used: another run or tool uploaded it meanwhile. Build again with a higher CFBundleVersion, or set \`build-number\`. Nothing was uploaded.`,
        );
      }
      this.http.log.info(
        `Build upload ${abandoned.id} was left waiting for ${file.fileName} by an interrupted run: deleting it and starting again.`,
      );
      await this.delete(abandoned.id);
      return (await this.http.post<Document<BuildUpload>>('/v1/buildUploads', body, { readBack: waitingWithoutFile })).data;
    }
  }

  /** A build upload of this target still waiting for its file, whose reserved file is this package: an interrupted run of ours. */
  private async abandonedFor(appId: string, target: UploadTarget, file: PackageFile): Promise<BuildUpload | undefined> {
    for (const upload of await this.list(appId, { ...target, states: ['AWAITING_UPLOAD'] })) {
      const files = await this.files(upload.id);
      const ours = files.every(
        (f) => f.attributes?.fileName === file.fileName && f.attributes?.fileSize === file.fileSize && isAwaitingUpload(f),
      );
      if (ours) return upload;
    }
    return undefined;
  }

  /** With `includeBuild`, the `build` relationship carries the build's id once Apple has made it. */
  async get(id: string, options: { includeBuild?: boolean } = {}): Promise<BuildUpload> {
    return (
      await this.http.get<Document<BuildUpload>>(`/v1/buildUploads/${enc(id)}`, { include: options.includeBuild ? 'build' : undefined })
    ).data;
  }

  /** Deletes a build upload that never got its file, freeing its build number. */
  async delete(id: string): Promise<void> {
    await this.http.delete(`/v1/buildUploads/${enc(id)}`).catch((error: unknown) => {
      // Sent again after a lost answer: already gone is what was wanted.
      if (!(error instanceof AscApiError && error.status === 404)) throw error;
    });
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

  /**
   * Reserves the package file; Apple answers with the upload operations (URLs and byte ranges). Apple
   * takes one file per build upload: after a lost answer, the reservation it made is read back.
   */
  async reserveFile(buildUploadId: string, file: PackageFile): Promise<BuildUploadFile> {
    const body = {
      data: {
        type: 'buildUploadFiles',
        attributes: { fileName: file.fileName, fileSize: file.fileSize, uti: file.uti, assetType: 'ASSET' },
        relationships: { buildUpload: { data: { type: 'buildUploads', id: buildUploadId } } },
      },
    };
    const doc = await this.http.post<Document<BuildUploadFile>>('/v1/buildUploadFiles', body, {
      readBack: async () => {
        const reserved = (await this.files(buildUploadId)).find(
          (f) => f.attributes?.fileName === file.fileName && f.attributes?.fileSize === file.fileSize && isAwaitingUpload(f),
        );
        return reserved ? { data: reserved } : undefined;
      },
    });
    return doc.data;
  }

  async getFile(id: string): Promise<BuildUploadFile> {
    return (await this.http.get<Document<BuildUploadFile>>(`/v1/buildUploadFiles/${enc(id)}`)).data;
  }

  async files(buildUploadId: string): Promise<BuildUploadFile[]> {
    return this.http.getAll<BuildUploadFile>(`/v1/buildUploads/${enc(buildUploadId)}/buildUploadFiles`, { limit: 200 });
  }

  /**
   * Tells Apple every part is sent, so it starts processing: `uploaded: true` and no client checksum
   * (Apple refused a SHA-256 `sourceFileChecksums` with a 409 in a live run, botiverse/hands#199).
   * Apple refuses a second commit (409 STATE_ERROR.INVALID_STATE, seen by Expo): after a lost answer
   * or that 409, the file's `assetDeliveryState` says whether the commit landed.
   */
  async commitFile(id: string): Promise<BuildUploadFile> {
    const body = { data: { type: 'buildUploadFiles', id, attributes: { uploaded: true } } };
    const doc = await this.http.patch<Document<BuildUploadFile>>(`/v1/buildUploadFiles/${enc(id)}`, body, {
      readBack: async () => {
        const file = await this.getFile(id);
        return isAwaitingUpload(file) ? undefined : { data: file };
      },
    });
    return doc.data;
  }
}

function isAwaitingUpload(file: BuildUploadFile): boolean {
  return (file.attributes?.assetDeliveryState?.state ?? 'AWAITING_UPLOAD') === 'AWAITING_UPLOAD';
}
