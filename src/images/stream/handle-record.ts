// One record, start to finish, with no Kafka in sight: the same intake as an HTTP upload.
// Returns what became of it; throws for anything else (the database is down, a row it refuses,
// …), which the loop tries again: without end for a dependency, a few times for the rest.
import { AppError } from '../../platform/errors.ts';
import { findPrincipal } from '../gateway/principals.ts';
import { type IntakeDeps, intake } from '../intake.ts';
import { ImageRefusal } from '../processing/refusal.ts';
import { ObjectNotFoundError } from '../store/object-store.ts';
import type { IncomingRecord } from './kafka.ts';
import { parseHeaders } from './records.ts';

export type RecordOutcome =
  | {
      kind: 'stored' | 'duplicate';
      imageId: string;
      /** This record's own claim-checked object, to remove once the record is committed. */
      spentClaim?: string;
    }
  | { kind: 'dead'; code: string; reason: string };

const dead = (code: string, reason: string): RecordOutcome => ({ kind: 'dead', code, reason });

export async function handleRecord(
  deps: IntakeDeps,
  record: IncomingRecord,
): Promise<RecordOutcome> {
  const parsed = parseHeaders(record.headers);
  if (!parsed.ok) return dead(parsed.code, parsed.reason);
  const { owner: ownerName, claim, filename, contentType } = parsed.headers;
  const owner = await findPrincipal(deps.db, ownerName);
  if (!owner) return dead('unknown_owner', `There is no principal named ${ownerName}.`);
  if (owner.disabled_at) return dead('owner_disabled', `The principal ${ownerName} is disabled.`);

  let bytes = record.value;
  if (claim) {
    try {
      bytes = await deps.store.get(claim.key);
    } catch (error) {
      if (error instanceof ObjectNotFoundError)
        return dead(
          'claim_not_found',
          `The claim ${claim.key} points to no object (expired, or never uploaded).`,
        );
      throw error;
    }
  }
  try {
    const result = await intake(deps, {
      owner: owner.principal_id,
      source: 'stream',
      bytes,
      originalName: filename,
      declaredType: contentType,
      stream: { topic: record.topic, partition: record.partition, offset: record.offset },
    });
    return {
      kind: result.duplicate ? 'duplicate' : 'stored',
      imageId: result.imageId,
      // The claimed bytes now live as the image's original (or were one already).
      ...(claim?.own ? { spentClaim: claim.key } : {}),
    };
  } catch (error) {
    if (error instanceof ImageRefusal) return dead(error.reason, error.message);
    if (error instanceof AppError && error.status < 500) return dead(error.code, error.message);
    throw error;
  }
}
