import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { config } from '../config.js';
import { s3 } from './aws-clients.js';

const PDF = 'application/pdf';

/**
 * Applicants' documents in the documents bucket. Uploads and downloads go straight between the browser
 * and S3 through short-lived presigned URLs, so a 10 MB PDF never passes through API Gateway (whose
 * payload limit is 10 MB) or a Lambda response (6 MB).
 */
export const documentStore = {
  /** The origin presigned URLs point at (a page's Content-Security-Policy must allow it). */
  origin(): string {
    const { s3Endpoint, documentsBucket, region } = config();
    return s3Endpoint ? new URL(s3Endpoint).origin : `https://${documentsBucket}.s3.${region}.amazonaws.com`;
  },

  /** A PUT URL for one PDF at `key`, valid `seconds`; the upload must send the `headers` given with it. */
  async uploadUrl(key: string, seconds: number): Promise<{ url: string; headers: Record<string, string> }> {
    const url = await getSignedUrl(
      s3(),
      new PutObjectCommand({ Bucket: config().documentsBucket, Key: key, ContentType: PDF }),
      { expiresIn: seconds, signableHeaders: new Set(['content-type']) },
    );
    return { url, headers: { 'Content-Type': PDF } };
  },

  async downloadUrl(key: string, seconds: number, fileName: string): Promise<string> {
    const safeName = fileName.replace(/[^\w.\- ]+/g, '_');
    return getSignedUrl(
      s3(),
      new GetObjectCommand({
        Bucket: config().documentsBucket,
        Key: key,
        ResponseContentType: PDF,
        ResponseContentDisposition: `attachment; filename="${safeName}"`,
      }),
      { expiresIn: seconds },
    );
  },

  /** The object's size, or undefined when nothing was uploaded there. */
  async size(key: string): Promise<number | undefined> {
    try {
      const head = await s3().send(new HeadObjectCommand({ Bucket: config().documentsBucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (error instanceof NotFound || error instanceof NoSuchKey) return undefined;
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
        return undefined;
      throw error;
    }
  },

  async read(key: string): Promise<Uint8Array | undefined> {
    try {
      const object = await s3().send(new GetObjectCommand({ Bucket: config().documentsBucket, Key: key }));
      return object.Body ? await object.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      if (error instanceof NoSuchKey || error instanceof NotFound) return undefined;
      throw error;
    }
  },

  async write(key: string, bytes: Uint8Array): Promise<void> {
    await s3().send(
      new PutObjectCommand({ Bucket: config().documentsBucket, Key: key, Body: bytes, ContentType: PDF }),
    );
  },

  async remove(key: string): Promise<void> {
    await s3().send(new DeleteObjectCommand({ Bucket: config().documentsBucket, Key: key }));
  },
};
