// One record, start to finish, with no Kafka in sight: the same intake as an HTTP upload.
// Returns what became of it; throws only for trouble worth retrying (the database is down, …),
// so the loop commits nothing and the record comes again.
import { AppError } from '../../platform/errors.ts';
import { findPrincipal } from '../gateway/principals.ts';
import { type IntakeDeps, intake } from '../intake.ts';
import { ImageRefusal } from '../processing/refusal.ts';
import { ObjectNotFoundError } from '../store/object-store.ts';
import type { IncomingRecord } from './kafka.ts';
import { claimPattern } from './records.ts';

export type RecordOutcome =
  | { kind: 'stored' | 'duplicate'; imageId: string }
  | { kind: 'dead'; code: string; reason: string };

const dead = (code: string, reason: string): RecordOutcome => ({ kind: 'dead', code, reason });

export async function handleRecord(
  deps: IntakeDeps,
  record: IncomingRecord,
): Promise<RecordOutcome> {
  const ownerName = record.headers.owner?.trim();
  if (!ownerName)
    return dead('missing_owner', 'The record has no owner header naming whose image it is.');
  const owner = await findPrincipal(deps.db, ownerName);
  if (!owner) return dead('unknown_owner', `There is no principal named ${ownerName}.`);
  if (owner.disabled_at) return dead('owner_disabled', `The principal ${ownerName} is disabled.`);

  const claim = record.headers.claim;
  let bytes = record.value;
  if (claim !== undefined) {
    if (!claimPattern.test(claim))
      return dead('bad_claim', `The claim "${claim.slice(0, 100)}" is not an incoming object key.`);
    try {
      bytes = await deps.store.get(claim);
    } catch (error) {
      if (error instanceof ObjectNotFoundError)
        return dead(
          'claim_not_found',
          `The claim ${claim} points to no object (expired, or never uploaded).`,
        );
      throw error;
    }
  }
  try {
    const result = await intake(deps, {
      owner: owner.principal_id,
      source: 'stream',
      bytes,
      originalName: record.headers.filename,
      declaredType: record.headers['content-type'],
      stream: { topic: record.topic, partition: record.partition, offset: record.offset },
    });
    // The claimed bytes now live as the image's original; the incoming copy is done with.
    if (claim !== undefined) await deps.store.delete(claim);
    return { kind: result.duplicate ? 'duplicate' : 'stored', imageId: result.imageId };
  } catch (error) {
    if (error instanceof ImageRefusal) return dead(error.reason, error.message);
    if (error instanceof AppError && error.status < 500) return dead(error.code, error.message);
    throw error;
  }
}
