import sharp from 'sharp';
import type { View } from './embedding-store';

/** Larger images are refused before decoding (decompression bombs; a 20000×20000 RGB image is 1.2 GB). */
export const MAX_INPUT_PIXELS = 100_000_000;

/** A file that cannot become backbone input; `reason` is shown to the user as is. */
export class ImageDecodeError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ImageDecodeError';
  }
}

/**
 * Decodes an image file's bytes into the backbone's square RGB input, one buffer per requested view
 * (size×size×3 bytes, HWC). The 2:3 poster is squashed to the square (`fit: 'fill'`), as the
 * tutorial's Keras resize does, so the whole poster is seen; the flipped view is its mirror image.
 */
export async function decodeViews(bytes: Buffer, size: number, views: readonly View[]): Promise<Map<View, Buffer>> {
  if (bytes.length === 0) throw new ImageDecodeError('Empty file (0 bytes)');
  let original: Buffer;
  try {
    // failOn 'truncated': refuse cut-off files, tolerate the harmless warnings many real JPEGs carry.
    // Bilinear, as Keras' image_dataset_from_directory resizes (and ~40% cheaper than lanczos3).
    const { data, info } = await sharp(bytes, { failOn: 'truncated', limitInputPixels: MAX_INPUT_PIXELS, autoOrient: true })
      .resize(size, size, { fit: 'fill', kernel: 'linear' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.width !== size || info.height !== size || info.channels !== 3 || data.length !== size * size * 3) {
      throw new ImageDecodeError(`Unexpected decoded layout ${info.width}×${info.height}×${info.channels}`);
    }
    original = data;
  } catch (err) {
    if (err instanceof ImageDecodeError) throw err;
    if (/pixel limit/i.test(String((err as Error)?.message))) throw new ImageDecodeError(await tooLarge(bytes));
    throw new ImageDecodeError(await explain(err, bytes));
  }
  const out = new Map<View, Buffer>();
  for (const view of views) {
    if (view === 'original') out.set(view, original);
    else
      out.set(
        view,
        await sharp(original, { raw: { width: size, height: size, channels: 3 } })
          .flop()
          .raw()
          .toBuffer(),
      );
  }
  return out;
}

/** The size in the header of an image refused for its pixel count (checked only then, to keep decodes cheap). */
async function tooLarge(bytes: Buffer): Promise<string> {
  const meta = await sharp(bytes, { limitInputPixels: false })
    .metadata()
    .catch(() => undefined);
  const dims = meta?.width && meta?.height ? `: ${meta.width}×${meta.height} pixels` : '';
  return `Image too large${dims} (limit ${MAX_INPUT_PIXELS / 1e6} megapixels)`;
}

/**
 * Why a decode failed. libvips' message is sometimes lost when several images decode at once
 * ("Unknown error"); a header that still reads then means the pixel data is broken.
 */
async function explain(err: unknown, bytes: Buffer): Promise<string> {
  const reason = describeSharpError(err);
  if (!reason.startsWith('Cannot decode')) return reason;
  const meta = await sharp(bytes, { limitInputPixels: false })
    .metadata()
    .catch(() => undefined);
  return meta?.format ? `Corrupt or truncated ${meta.format.toUpperCase()} image (its pixel data cannot be decoded)` : reason;
}

/** Turns libvips' messages into something a user can act on, keeping the original detail. */
export function describeSharpError(err: unknown): string {
  const msg = String(err instanceof Error ? err.message : err)
    .split('\n')[0]
    .trim();
  if (/unsupported image format/i.test(msg)) return 'Not an image, or an unsupported format';
  if (/premature end|truncat|read error|corrupt|invalid|bad |not a |unexpected end/i.test(msg)) return `Corrupt or truncated image (${msg})`;
  return `Cannot decode image (${msg})`;
}
