// Compile-time proof that the tagging calls' schemas and the back-end types describe the same data:
// `npx tsc --noEmit` fails here if one changes without the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import type * as G from '../../../contract/schemas/tagging';
import type { TagSummary } from '../../../main/tagging/tag-job';
import type { AcceptResult, PredictionView } from '../../../main/tagging/predictions-repo';
import type { ExportResult, ExportFormat } from '../../../main/tagging/export';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const proofs: [
  Equal<z.infer<typeof G.TagSummary>, TagSummary>,
  Equal<z.infer<typeof G.PredictionView>, PredictionView>,
  Equal<z.infer<typeof G.AcceptResult>, AcceptResult>,
  Equal<z.infer<typeof G.ExportResult>, ExportResult>,
  Equal<z.infer<typeof G.ExportFormat>, ExportFormat>,
] = [true, true, true, true, true];

test('tagging schemas match the back-end types', () => {
  assert.ok(proofs.every(Boolean));
});
