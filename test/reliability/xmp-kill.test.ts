// SIGKILL while sidecars are merged: every sidecar afterwards is a whole, parseable packet (the old or the
// new one), another program's values in it intact, and no temp file is mistaken for a sidecar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bagValues, parseXmp, simpleValue } from '../../main/tagging/xmp/packet';
import { NS } from '../../main/tagging/xmp/keywords';
import { writeXmpSidecars } from '../../main/tagging/xmp/sidecars';
import { tempDir } from '../helpers/temp';
import { rng } from '../helpers/posters';
import { LONG, record } from './stats';

const FOREIGN = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:acme="http://example.com/acme/1.0/" xmp:Rating="4" acme:Project="Q3">
   <dc:subject><rdf:Bag><rdf:li>Holiday</rdf:li></rdf:Bag></dc:subject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
`;

/** Starts the driver, waits until it has written at least once, kills it after a random moment. */
async function killOnce(dir: string, waitMs: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'xmp', 'merge-driver.ts'), dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', () => resolve());
  });
  await new Promise((r) => setTimeout(r, waitMs));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

test("SIGKILL during sidecar merges leaves only whole sidecars, with the other program's values kept", { timeout: 300_000 }, async () => {
  const dir = tempDir();
  const n = 120;
  for (let i = 0; i < n; i++) {
    fs.writeFileSync(path.join(dir, `p${i}.jpg`), 'image');
    if (i % 2 === 0) fs.writeFileSync(path.join(dir, `p${i}.jpg.xmp`), FOREIGN);
  }
  const random = rng(11);
  const kills = LONG ? 40 : 8;
  let midWrite = 0;
  for (let k = 0; k < kills; k++) {
    await killOnce(dir, Math.floor(random() * 1000));
    // A kill between a temp file's creation and its rename leaves it behind (the next run clears it).
    const left = fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));
    assert.ok(
      left.every((t) => t.startsWith('.')),
      left.join(', '),
    );
    if (left.length) midWrite++;
    const sidecars = fs.readdirSync(dir).filter((f) => f.endsWith('.xmp'));
    for (const f of sidecars) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      const doc = parseXmp(text); // throws on a broken one
      const subject = bagValues(doc, 'dc', 'subject');
      assert.ok(subject.length > 0, `${f} has keywords`);
      if (Number(/p(\d+)/.exec(f)![1]) % 2 === 0) {
        assert.equal(simpleValue(doc, NS.xmp, 'Rating'), '4', f);
        assert.equal(simpleValue(doc, 'http://example.com/acme/1.0/', 'Project'), 'Q3', f);
        assert.ok(subject.includes('Holiday'), f);
      }
    }
    assert.equal(sidecars.length, n, 'every image has its sidecar');
  }
  // The next export clears what killed writes left behind.
  await writeXmpSidecars(
    1,
    Array.from({ length: n }, (_, i) => ({ path: path.join(dir, `p${i}.jpg`), tags: ['Western'] })),
    { overwrite: true },
  );
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
    'stale temp files removed',
  );
  record('xmp kill loop', 'kills', kills);
  record('xmp kill loop', 'faults', kills);
  process.stderr.write(`xmp kill loop: ${kills} kills, ${midWrite} of them mid-write (a temp file was left); every sidecar parsed after each\n`);
});
