// One photo POSTed straight to an image API, signed as the gateway signs it: the benches' way in
// over HTTP.
import { imageApiAudience, type Principal, signPrincipal } from '../../src/images/principal.ts';
import { interruption } from './interruption.ts';

export type UploadedImage = { image_id: string; derivatives: unknown[] };

/** The stored image; throws unless it answered 201 with a new image (no duplicate). */
export async function uploadPhoto(
  url: string,
  secret: string,
  principal: Principal,
  image: { index: number; format: string; bytes: Buffer },
): Promise<UploadedImage> {
  const target = new URL(`${url}/images?name=photo-${image.index}.${image.format}`);
  const signed = {
    method: 'POST',
    url: target.pathname + target.search,
    audience: imageApiAudience,
  };
  const response = await fetch(target, {
    method: 'POST',
    headers: {
      'content-type': 'application/octet-stream',
      ...signPrincipal(principal, secret, signed),
    },
    body: image.bytes,
    signal: interruption,
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`POST /images answered ${response.status}: ${text}`);
  const body = JSON.parse(text) as { duplicate: boolean; image: UploadedImage };
  if (body.duplicate) throw new Error(`image ${body.image.image_id} came back as a duplicate`);
  return body.image;
}
