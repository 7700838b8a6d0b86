import { AppError } from '../../platform/errors.ts';

/** Why an upload is not a safe image; stored with each refusal and sent as the error's code. */
export type RefusalReason =
  | 'empty'
  | 'too_large'
  | 'not_an_image'
  | 'unsupported_format'
  | 'corrupt'
  | 'too_many_pixels';

/** The one table of this area's refusals: the HTTP status each reason answers with. */
const statusOf: Record<RefusalReason, number> = {
  empty: 400,
  too_large: 413,
  not_an_image: 415,
  unsupported_format: 415,
  corrupt: 422,
  too_many_pixels: 422,
};

/** What people may upload, for the end of a refusal's message. */
export const acceptedFormats = 'JPEG, PNG, WebP, GIF, AVIF/HEIF or TIFF';

/**
 * An upload that is not a safe image, with a sentence a person understands. The only error the
 * processing module lets escape for bad input; anything else is a bug. As an AppError its code is
 * the reason, so the one HTTP error handler maps it with no table of its own.
 */
export class ImageRefusal extends AppError {
  readonly reason: RefusalReason;

  constructor(reason: RefusalReason, message: string, options?: ErrorOptions) {
    super(reason, statusOf[reason], message, options);
    this.name = 'ImageRefusal';
    this.reason = reason;
  }
}
