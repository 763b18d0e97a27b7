// Child process of the XMP kill loop: merges alternating genre sets into the sidecars of a folder, forever,
// until it is SIGKILLed. Each pass writes every sidecar (the tags change), so a kill lands mid-write often.
import fs from 'node:fs';
import path from 'node:path';
import { writeXmpSidecars } from '../../../main/tagging/xmp/sidecars';

const dir = process.argv[2];
const images = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.jpg'))
  .map((f) => path.join(dir, f));
const SETS = [['Drama', 'Action'], ['Comedy'], ['Horror', 'Romance', 'Drama']];

async function main() {
  for (let pass = 0; ; pass++) {
    const tags = SETS[pass % SETS.length];
    await writeXmpSidecars(
      1,
      images.map((p) => ({ path: p, tags })),
      { overwrite: true },
    );
    process.stdout.write('.');
  }
}
void main();
