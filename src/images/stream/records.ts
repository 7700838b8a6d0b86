// The two shapes of an image record on the topic (documented in the README):
//  - inline: the value is the image's bytes;
//  - claim check: the value is empty and header `claim` names an object in the store's incoming
//    area (`incoming/<sha256>`), put there by `tessera stream send` for images larger than a
//    Kafka message.
// Header `owner` (required) names the owner principal; `filename` (optional) the original name.
// A client's content type is never trusted.

export const claimPattern = /^incoming\/[0-9a-f]{64}$/;

export function claimKey(sha256: string): string {
  return `incoming/${sha256}`;
}
