import type { z } from 'zod';
import type { XmpSettings as Schema } from '../../../contract/schemas/xmp';

/** How sidecars are named and their keywords shaped (tag:export's `xmp`). */
export type XmpSettings = z.infer<typeof Schema>;
