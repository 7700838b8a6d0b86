import { createHash } from 'node:crypto';
import {
  type BucketLifecycleConfiguration,
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  type LifecycleRule,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { AppError } from '../../platform/errors.ts';
import {
  assertValidKey,
  assertValidPrefix,
  ObjectNotFoundError,
  type ObjectStore,
  ObjectTamperedError,
  type StoredObject,
} from './object-store.ts';

/** Bodies above this go up in parts of this size, so one failed request costs one part. */
export const MULTIPART_THRESHOLD = 8 * 1024 * 1024;
const CHECKSUM_METADATA = 'sha256';

export type S3StoreOptions = {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** SSE-KMS under this key; without it, SSE-S3 (AES256). */
  kmsKeyId?: string;
  /** Prepended to every key, e.g. 'images/'; list and the lifecycle rule stay inside it. */
  prefix?: string;
  /** Keys per ListObjectsV2 page (S3's maximum and default is 1000). */
  listPageSize?: number;
};

export type S3ObjectStore = ObjectStore & {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
};

/** AWS S3 or any S3-compatible store; the only module that imports @aws-sdk. */
export function createS3Store(options: S3StoreOptions): S3ObjectStore {
  const prefix = options.prefix ?? '';
  assertValidPrefix(prefix);
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
  });
  const { bucket } = options;
  const encryption = encryptionParams(options.kmsKeyId);
  const fullKey = (key: string) => {
    assertValidKey(key);
    return `${prefix}${key}`;
  };
  return {
    client,
    bucket,
    prefix,
    async put(key, body) {
      const params = {
        Bucket: bucket,
        Key: fullKey(key),
        Body: body,
        // Our own digest: get verifies it whatever the server does or does not check.
        Metadata: { [CHECKSUM_METADATA]: sha256(body) },
        ...encryption,
      };
      if (body.length <= MULTIPART_THRESHOLD) {
        await client.send(new PutObjectCommand(params));
        return;
      }
      await new Upload({ client, params, partSize: MULTIPART_THRESHOLD, queueSize: 4 }).done();
    },
    async get(key) {
      const response = await client
        .send(new GetObjectCommand({ Bucket: bucket, Key: fullKey(key) }))
        .catch((error) => {
          throw errorName(error) === 'NoSuchKey' ? new ObjectNotFoundError(key) : error;
        });
      const bytes = (await response.Body?.transformToByteArray()) ?? new Uint8Array();
      const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      verify(key, body, response.ContentLength, response.Metadata?.[CHECKSUM_METADATA]);
      return body;
    },
    async delete(key) {
      // S3 answers 204 whether or not the object existed.
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: fullKey(key) }));
    },
    list: (listPrefix) => listObjects(client, bucket, prefix, listPrefix, options.listPageSize),
    describe: () => describeS3(options, prefix),
    presignPost: (key, limits) =>
      createPresignedPost(client, {
        Bucket: bucket,
        Key: fullKey(key),
        // Every field becomes an exact-match condition of the signed policy (the key and the
        // encryption among them), so the client can change none of them.
        Fields: encryptionFields(options.kmsKeyId),
        Conditions: [['content-length-range', 1, limits.maxBytes]],
        Expires: Math.max(1, Math.ceil(limits.expiresIn / 1000)),
      }),
  };
}

/** What every write asks for: S3 must encrypt at rest, under our KMS key if we name one. */
function encryptionParams(kmsKeyId?: string) {
  if (!kmsKeyId) return { ServerSideEncryption: 'AES256' } as const;
  // A bucket key spares S3 a KMS call (and its bill) per object.
  return {
    ServerSideEncryption: 'aws:kms',
    SSEKMSKeyId: kmsKeyId,
    BucketKeyEnabled: true,
  } as const;
}

/**
 * The same encryption as encryptionParams, in POST Object's documented form fields; whether a
 * bucket key is used is then the bucket's default-encryption setting.
 */
function encryptionFields(kmsKeyId?: string): Record<string, string> {
  if (!kmsKeyId) return { 'x-amz-server-side-encryption': 'AES256' };
  return {
    'x-amz-server-side-encryption': 'aws:kms',
    'x-amz-server-side-encryption-aws-kms-key-id': kmsKeyId,
  };
}

async function* listObjects(
  client: S3Client,
  bucket: string,
  storePrefix: string,
  prefix: string,
  pageSize?: number,
): AsyncGenerator<StoredObject> {
  assertValidPrefix(prefix);
  const pages = paginateListObjectsV2(
    { client, pageSize },
    { Bucket: bucket, Prefix: `${storePrefix}${prefix}` },
  );
  for await (const page of pages) {
    for (const object of page.Contents ?? []) {
      if (!object.Key) continue;
      yield {
        key: object.Key.slice(storePrefix.length),
        size: object.Size ?? 0,
        modifiedAt: object.LastModified ?? new Date(0),
      };
    }
  }
}

function verify(key: string, body: Buffer, length?: number, digest?: string): void {
  if (length !== undefined && body.length !== length) {
    throw new ObjectTamperedError(key, `${body.length} bytes arrived of ${length}`);
  }
  // Objects written by other tools carry no digest; S3's own transport checksums cover them.
  if (digest !== undefined && sha256(body) !== digest) {
    throw new ObjectTamperedError(key, 'its SHA-256 differs from the one stored with it');
  }
}

function describeS3(options: S3StoreOptions, prefix: string): string {
  const where = options.endpoint ? ` via ${withoutUserinfo(options.endpoint)}` : '';
  const sse = options.kmsKeyId ? `SSE-KMS ${options.kmsKeyId}` : 'SSE-S3 AES256';
  return `s3://${options.bucket}/${prefix} (${options.region}${where}; ${sse})`;
}

function withoutUserinfo(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    url.username = '';
    url.password = '';
    return url.href;
  } catch {
    return '(invalid endpoint)';
  }
}

// ---- the bucket's lifecycle rule: S3 enforces the 7-day expiry itself

export const LIFECYCLE_RULE_ID = 'tessera-expiry';

export class LifecycleNotSupportedError extends AppError {
  constructor(bucket: string, options?: ErrorOptions) {
    super(
      'lifecycle_unsupported',
      501,
      `The S3 server of bucket '${bucket}' does not support lifecycle rules (it answered NotImplemented); expiry must be enforced another way.`,
      options,
    );
    this.name = 'LifecycleNotSupportedError';
  }
}

/**
 * The bucket's lifecycle configuration with our rule: objects under prefix expire after
 * days, and parts of abandoned multipart uploads (invisible, but billed) go after a day.
 * Rules of others are kept: a PUT replaces the bucket's whole configuration.
 */
export function lifecycleConfiguration(
  prefix: string,
  days = 7,
  otherRules: LifecycleRule[] = [],
): BucketLifecycleConfiguration {
  if (!Number.isInteger(days) || days < 1) throw new RangeError('days must be a whole number ≥ 1');
  const id = prefix ? `${LIFECYCLE_RULE_ID}:${prefix}` : LIFECYCLE_RULE_ID;
  const rule: LifecycleRule = {
    ID: id,
    Status: 'Enabled',
    Filter: { Prefix: prefix },
    Expiration: { Days: days },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
  };
  return { Rules: [...otherRules.filter((other) => other.ID !== id), rule] };
}

export type LifecycleTarget = { client: S3Client; bucket: string; prefix: string };

/** Puts the lifecycle rule on the store's bucket (an S3ObjectStore is a LifecycleTarget). */
export async function applyLifecycle(target: LifecycleTarget, days = 7): Promise<string> {
  const { client, bucket, prefix } = target;
  const configuration = lifecycleConfiguration(prefix, days, await existingRules(target));
  await client
    .send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: configuration,
      }),
    )
    .catch((error) => {
      throw errorName(error) === 'NotImplemented'
        ? new LifecycleNotSupportedError(bucket, { cause: error })
        : error;
    });
  return `s3://${bucket}/${prefix}: objects expire ${days} day(s) after writing; incomplete multipart uploads are aborted after 1 day`;
}

async function existingRules({ client, bucket }: LifecycleTarget): Promise<LifecycleRule[]> {
  try {
    const answer = await client.send(
      new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }),
    );
    return answer.Rules ?? [];
  } catch (error) {
    // No configuration yet; or a server without lifecycle support, which then holds no rules
    // to keep and will refuse the PUT in words we report.
    const name = errorName(error);
    if (name === 'NoSuchLifecycleConfiguration' || name === 'NotImplemented') return [];
    throw error;
  }
}

function errorName(error: unknown): string | undefined {
  return (error as { name?: string } | null)?.name;
}

function sha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64');
}
