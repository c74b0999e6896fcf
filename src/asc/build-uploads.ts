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

interface WaitingUpload {
  upload: BuildUpload;
  files: BuildUploadFile[];
}

export class BuildUploadsApi {
  constructor(private readonly http: AscHttp) {}

  /**
   * Creates the build upload for this package. A build upload still waiting for this package (ours,
   * whose answer was lost, or left by an interrupted run) is taken over; any other duplicate build
   * number, and a key without access to the app, are explained.
   */
  async create(appId: string, target: UploadTarget, file: PackageFile): Promise<BuildUpload> {
    const body = {
      data: {
        type: 'buildUploads',
        attributes: { cfBundleShortVersionString: target.version, cfBundleVersion: target.buildNumber, platform: target.platform },
        relationships: { app: { data: { type: 'apps', id: appId } } },
      },
    };
    const post = async () =>
      (
        await this.http.post<Document<BuildUpload>>('/v1/buildUploads', body, {
          // After a lost answer: the upload Apple made is the one still waiting without a file. A 409 is read below.
          readBack: async (failure) => {
            if (failure instanceof AscApiError && failure.status === 409) return undefined;
            const made = this.reusable(await this.waiting(appId, target));
            return made ? { data: made } : undefined;
          },
        })
      ).data;
    try {
      return await post();
    } catch (error) {
      if (!(error instanceof AscApiError && error.status === 409)) throw error;
      if (error.hasCode('ENTITY_ERROR.RELATIONSHIP.INVALID')) {
        // Expo #3463: Apple's answer when the key cannot see the app it uploads to.
        throw new UserError(
          `${error.message}\nThis API key cannot access app ${appId}: give it access in App Store Connect → Users and Access → Integrations (a key limited to some apps must include this one), or check \`app-id\`.`,
        );
      }
      // Any other 409 (an attribute Apple refuses) is Apple's to explain. A used build number is
      // told by its code, or by the words users report from Apple ("The bundle version must be higher
      // than the previously uploaded version", Codemagic's and FlutterFlow's help on this error).
      if (!error.hasCode(DUPLICATE) && !error.mentions('bundle version must be higher')) throw error;
      const waiting = await this.waiting(appId, target);
      const reusable = this.reusable(waiting);
      if (reusable) return reusable;
      const abandoned = waiting.find((w) => w.files.every((f) => isReservationOf(f, file)))?.upload;
      if (!abandoned) {
        throw new UserError(
          `${error.message}\nBuild number ${target.buildNumber} of version ${target.version} (${target.platform}) is already used: another run or tool uploaded it meanwhile. Build again with a higher CFBundleVersion, or set \`build-number\`. Nothing was uploaded.`,
        );
      }
      this.http.log.info(
        `Build upload ${abandoned.id} was left waiting for ${file.fileName} by an interrupted run: deleting it and starting again.`,
      );
      await this.delete(abandoned.id);
      return post();
    }
  }

  /** This target's build uploads still waiting for their file, each with the files reserved on it. */
  private async waiting(appId: string, target: UploadTarget): Promise<WaitingUpload[]> {
    const waiting: WaitingUpload[] = [];
    for (const upload of await this.list(appId, { ...target, states: ['AWAITING_UPLOAD'] })) {
      waiting.push({ upload, files: await this.files(upload.id) });
    }
    return waiting;
  }

  /** The first waiting upload with no file reserved yet: taken over, as Apple made it for this build. */
  private reusable(waiting: WaitingUpload[]): BuildUpload | undefined {
    const upload = waiting.find((w) => w.files.length === 0)?.upload;
    if (upload) this.http.log.info(`Reusing build upload ${upload.id}, which is waiting for its file.`);
    return upload;
  }

  /** With `includeBuild`, the `build` relationship carries the build's id once Apple has made it. */
  async get(id: string, options: { includeBuild?: boolean } = {}): Promise<BuildUpload> {
    return (
      await this.http.get<Document<BuildUpload>>(
        `/v1/buildUploads/${enc(id)}`,
        { include: options.includeBuild ? 'build' : undefined },
        EXISTING,
      )
    ).data;
  }

  /** Deletes a build upload that never got its file, freeing its build number (already gone is what was wanted). */
  async delete(id: string): Promise<void> {
    await this.http.delete(`/v1/buildUploads/${enc(id)}`);
  }

  /**
   * An app's build uploads for one version and build number (pre-check, recovery after a lost answer,
   * after altool). Apple's filters are a match, not an equality: each is checked exactly here.
   */
  async list(
    appId: string,
    q: { version?: string; buildNumber?: string; platform?: Platform; states?: BuildUploadState[] },
  ): Promise<BuildUpload[]> {
    const all = await this.http.getAll<BuildUpload>(
      `/v1/apps/${enc(appId)}/buildUploads`,
      {
        'filter[cfBundleShortVersionString]': q.version,
        'filter[cfBundleVersion]': q.buildNumber,
        'filter[platform]': q.platform,
        'filter[state]': q.states,
        limit: 200,
      },
      EXISTING,
    );
    const a = (u: BuildUpload) => u.attributes;
    return all.filter(
      (u) =>
        (q.version === undefined || a(u)?.cfBundleShortVersionString === q.version) &&
        (q.buildNumber === undefined || a(u)?.cfBundleVersion === q.buildNumber) &&
        (q.platform === undefined || a(u)?.platform === q.platform) &&
        (q.states === undefined || q.states.includes(a(u)?.state?.state as BuildUploadState)),
    );
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
        const reserved = (await this.files(buildUploadId)).find((f) => isReservationOf(f, file));
        return reserved ? { data: reserved } : undefined;
      },
    });
    return doc.data;
  }

  async getFile(id: string): Promise<BuildUploadFile> {
    return (await this.http.get<Document<BuildUploadFile>>(`/v1/buildUploadFiles/${enc(id)}`, undefined, EXISTING)).data;
  }

  async files(buildUploadId: string): Promise<BuildUploadFile[]> {
    return this.http.getAll<BuildUploadFile>(`/v1/buildUploads/${enc(buildUploadId)}/buildUploadFiles`, { limit: 200 }, EXISTING);
  }

  /**
   * Tells Apple every part is sent, so it starts processing: `uploaded: true` and no client checksum
   * (Apple refused a SHA-256 `sourceFileChecksums` with a 409 in a live run, botiverse/hands#199).
   * Apple refuses a second commit (409 STATE_ERROR.INVALID_STATE, seen by Expo): after a lost answer
   * or that 409, the file's `assetDeliveryState` says whether the commit landed. A commit that landed
   * can read back AWAITING_UPLOAD for a few seconds (Expo's uploader polls up to 60 s after its commit),
   * so that answer is asked again for a while before it is believed.
   */
  async commitFile(id: string): Promise<BuildUploadFile> {
    const body = { data: { type: 'buildUploadFiles', id, attributes: { uploaded: true } } };
    const doc = await this.http.patch<Document<BuildUploadFile>>(`/v1/buildUploadFiles/${enc(id)}`, body, {
      readBack: async () => {
        for (let read = 0; ; read++) {
          const file = await this.getFile(id);
          if (!isAwaitingUpload(file)) return { data: file };
          if (read >= COMMIT_READ_BACKS) return undefined;
          await this.http.wait(COMMIT_READ_BACK_INTERVAL_MS);
        }
      },
    });
    return doc.data;
  }
}

/** Reads of a build upload or its files: this run made or found it, so a 404 is retried a few times. */
const EXISTING = { existing: true } as const;
/** After a lost commit answer: AWAITING_UPLOAD is read again every 5 s for up to a minute before it is believed. */
const COMMIT_READ_BACKS = 12;
const COMMIT_READ_BACK_INTERVAL_MS = 5_000;

/** Apple's code when the version's build number is taken, by a build or by a build upload. */
const DUPLICATE = 'ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE';

/** Whether `reserved` is this package's file, reserved but not yet committed. */
function isReservationOf(reserved: BuildUploadFile, file: PackageFile): boolean {
  return reserved.attributes?.fileName === file.fileName && reserved.attributes?.fileSize === file.fileSize && isAwaitingUpload(reserved);
}

function isAwaitingUpload(file: BuildUploadFile): boolean {
  return (file.attributes?.assetDeliveryState?.state ?? 'AWAITING_UPLOAD') === 'AWAITING_UPLOAD';
}
