// Shapes of the XMP options of tag:export and of tag:removeXmp (keywords in sidecars and in JPEG copies).
import { z } from 'zod';
import { UserPath } from './user-path';

export const SidecarNaming = z.enum(['image-ext', 'basename']);

export const XmpSettings = z
  .object({
    /** `image-ext`: poster.jpg.xmp (default; digiKam, darktable, Immich); `basename`: poster.xmp (Lightroom). */
    naming: SidecarNaming.optional(),
    /** The parent keyword of the genres: "Genre" gives Genre|Drama and Genre/Drama. Default "Genre". */
    root: z
      .string()
      .trim()
      .min(1)
      .max(50)
      .regex(/^[^|/\\]*$/, 'The root word cannot contain | / or \\')
      .optional(),
    /** No parent keyword: the bare genre names in every property. */
    flatOnly: z.boolean().optional(),
  })
  .strict();

export const XmpRemove = z
  .object({
    libraryIds: z.array(z.number().int().positive()).min(1).max(100).optional(),
    /** Instead of libraryIds: an opened library's folder. */
    folder: UserPath.optional(),
    /** Change the sidecars (after the user confirmed it by name); otherwise nothing is written and the result names them. */
    overwrite: z.boolean().optional(),
  })
  .strict()
  .refine((v) => (v.libraryIds ? 1 : 0) + (v.folder ? 1 : 0) === 1, { message: 'Give either libraryIds or folder' });
