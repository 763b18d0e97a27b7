// Compile-time proof that the contract's schemas and the back-end modules' types describe the same data:
// `npm run typecheck` fails here if one changes without the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import type * as L from '../../../contract/schemas/library';
import type { LibraryRow } from '../../../main/library/library-repo';
import type { PosterDetail, PosterPage, PosterQuery, GenreCount } from '../../../main/library/gallery-queries';
import type { ImportReport } from '../../../main/library/import-report';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assignable<A, B> = [A] extends [B] ? true : false;
const proofs: [
  Equal<z.infer<typeof L.LibraryRow>, LibraryRow>,
  Equal<z.infer<typeof L.PosterPage>, PosterPage>,
  Equal<z.infer<typeof L.PosterDetail>, PosterDetail>,
  Assignable<z.output<typeof L.PosterQuery>, PosterQuery>,
  Assignable<GenreCount, z.infer<typeof L.GenreCount>>,
  Assignable<ImportReport, z.infer<typeof L.ImportReport>>,
] = [true, true, true, true, true, true];

test('contract schemas match the back-end types', () => {
  assert.ok(proofs.every(Boolean));
});
