/**
 * Installs the pretrained backbones into resources/models (or $POSTER_TAGGER_MODELS_DIR); run by
 * npm postinstall. Idempotent: backbones whose pinned files are in place are skipped.
 *
 * Exit codes, chosen so that `npm ci` is not broken by a machine without network, yet a tampered
 * or changed model never slips through:
 * - registry unreachable → warning, exit 0 (the app reports the backbones as not installed);
 * - sha256 mismatch or any other failure → one-line error, exit 1.
 * POSTER_TAGGER_SKIP_MODELS=1 skips the whole step.
 */
import { fetchModels, ShaMismatchError } from '../main/ml/backbones/convert/fetch-models';
import { modelsDir } from '../main/ml/backbones/registry';

async function main(): Promise<number> {
  if (process.env.POSTER_TAGGER_SKIP_MODELS === '1') {
    console.log('fetch-models: skipped (POSTER_TAGGER_SKIP_MODELS=1)');
    return 0;
  }
  const dir = modelsDir();
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  const started = Date.now();
  try {
    const report = await fetchModels({ modelsDir: dir, log: (l) => console.log(`fetch-models: ${l}`), signal: ac.signal });
    if (report.offline) {
      console.warn(`fetch-models: WARNING ${report.offline}; models not installed. Run "node --import tsx scripts/fetch-models.ts" when online.`);
      return 0;
    }
    console.log(`fetch-models: done in ${((Date.now() - started) / 1000).toFixed(1)} s (${dir})`);
    return 0;
  } catch (err) {
    const kind = err instanceof ShaMismatchError ? 'sha256 mismatch' : 'failed';
    console.error(`fetch-models: ERROR (${kind}): ${(err as Error).message.split('\n')[0]}`);
    return 1;
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    console.error(`fetch-models: ERROR: ${String(err)}`);
    process.exitCode = 1;
  },
);
