// The two shapes of an image record on the topic (documented in the README):
//  - inline: the value is the image's bytes;
//  - claim check: the value is empty and header `claim` names an object in the store's incoming
//    area, put there for this record alone (`incoming/stream/<uuid>`, as `tessera stream send`
//    does) for images larger than a Kafka message; the consumer removes it once the record is
//    done. The older `incoming/<sha256>` is still taken: being named after the content, several
//    records may share one, so it is left for the sweeper (claimLifetime in expiry.ts).
// Header `owner` (required) names the owner principal; `filename` (optional) the original name;
// `content-type` (optional) what the sender says it is, recorded with a refusal, never trusted.
//
// Headers are a stranger's bytes: each is checked here, once, before any of it reaches SQL. An
// owner or claim that is not one is a refusal; a content type that is not printable text is
// dropped; a file name is cleaned by the intake, as every source's is.
import { randomUUID } from 'node:crypto';

/** A principal's name, as the gateway's principals table allows it (and only ASCII, so text). */
export const ownerPattern = /^[A-Za-z0-9._@+-]{1,200}$/;

const perRecordClaim =
  /^incoming\/stream\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const contentClaim = /^incoming\/[0-9a-f]{64}$/;
const printable = /^[\x20-\x7e]{1,200}$/;

/** Where `tessera stream send` puts one record's bytes. */
export function newClaimKey(): string {
  return `incoming/stream/${randomUUID()}`;
}

export type RecordHeaders = {
  owner: string;
  claim?: {
    key: string /** Needed by this record alone: removed once it is done. */;
    own: boolean;
  };
  filename?: string;
  contentType?: string;
};

export type HeaderRefusal = { code: string; reason: string };

export function parseHeaders(
  headers: Readonly<Record<string, string>>,
): { ok: true; headers: RecordHeaders } | ({ ok: false } & HeaderRefusal) {
  const owner = headers.owner?.trim();
  if (!owner)
    return {
      ok: false,
      code: 'missing_owner',
      reason: 'The record has no owner header naming whose image it is.',
    };
  if (!ownerPattern.test(owner))
    return {
      ok: false,
      code: 'bad_owner',
      reason: `The owner header is not a principal's name (${Buffer.byteLength(owner)} bytes; a name is 1 to 200 letters, digits and . _ @ + -).`,
    };
  const parsed: RecordHeaders = { owner };
  const claim = headers.claim;
  if (claim !== undefined) {
    const own = perRecordClaim.test(claim);
    if (!own && !contentClaim.test(claim))
      return {
        ok: false,
        code: 'bad_claim',
        reason: `The claim header is not an incoming object key (incoming/stream/<uuid> or incoming/<sha256>): ${JSON.stringify(claim.slice(0, 100))}.`,
      };
    parsed.claim = { key: claim, own };
  }
  if (headers.filename) parsed.filename = headers.filename;
  const type = headers['content-type'];
  if (type !== undefined && printable.test(type)) parsed.contentType = type;
  return { ok: true, headers: parsed };
}
