import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { writeXmpSidecars, removeXmpKeywords } from '../../../../main/tagging/xmp/sidecars';
import { parseXmp } from '../../../../main/tagging/xmp/packet';
import { tempDir } from '../../../helpers/temp';
import { acmeConfig, exiftool, exiftoolJson, skipWithoutExiftool as skip } from '../../../helpers/exiftool';

const GENRES = ['Drama', 'Sci-Fi & "Fantasy" <x>', 'ポスター'];

/** Image files (content does not matter for sidecars) in a fresh folder. */
function images(names: string[]): string[] {
  const dir = tempDir();
  return names.map((n) => {
    const file = path.join(dir, n);
    fs.writeFileSync(file, 'not read');
    return file;
  });
}

/** What other programs keep in a sidecar: rating, colour label, keywords, history, a namespace nobody knows. */
function foreignSidecar(file: string, config: string): void {
  exiftool(
    [
      '-o',
      file,
      '-XMP-xmp:Rating=4',
      '-XMP-xmp:Label=Red',
      '-XMP-dc:Subject=Holiday',
      '-XMP-dc:Subject=Family & friends',
      '-XMP-lr:HierarchicalSubject=Places|Paris',
      '-XMP-digiKam:TagsList=Places/Paris',
      '-XMP-xmpMM:HistoryAction=saved',
      '-XMP-xmpMM:HistorySoftwareAgent=darktable 4.6',
      '-XMP-acme:Project=Q3 shoot',
    ],
    config,
  );
}

test('exiftool reads Subject, HierarchicalSubject and TagsList from our sidecars, for both namings', { skip }, async () => {
  for (const naming of ['image-ext', 'basename'] as const) {
    const [a, b] = images(['one.jpg', 'two.png']);
    const r = await writeXmpSidecars(
      1,
      [
        { path: a, tags: GENRES },
        { path: b, tags: ['Drama'] },
      ],
      { naming },
    );
    assert.equal(r.filesWritten, 2);
    const sidecar = naming === 'image-ext' ? `${a}.xmp` : a.replace(/\.jpg$/, '.xmp');
    assert.deepEqual(r.files.sort(), [sidecar, naming === 'image-ext' ? `${b}.xmp` : b.replace(/\.png$/, '.xmp')].sort());
    const tags = exiftoolJson(sidecar);
    assert.deepEqual(tags['XMP-dc:Subject'], GENRES, naming);
    assert.deepEqual(
      tags['XMP-lr:HierarchicalSubject'],
      GENRES.map((g) => `Genre|${g}`),
    );
    assert.deepEqual(
      tags['XMP-digiKam:TagsList'],
      GENRES.map((g) => `Genre/${g}`),
    );
    // Bags (darktable wants rdf:Bag); TagsList a Seq, as digiKam and exiftool write it.
    const text = fs.readFileSync(sidecar, 'utf8');
    for (const p of ['dc:subject', 'lr:hierarchicalSubject']) assert.match(text, new RegExp(`<${p}>\\s*<rdf:Bag>`), p);
    assert.match(text, /<digiKam:TagsList>\s*<rdf:Seq>/);
  }
});

test('the root word is settable; flat only writes the bare genres in every property; a genre with a slash stays one level', { skip }, async () => {
  const [a, b] = images(['a.jpg', 'b.jpg']);
  await writeXmpSidecars(1, [{ path: a, tags: ['Drama', 'Sci-Fi/Fantasy'] }], { root: 'Film genre' });
  let tags = exiftoolJson(`${a}.xmp`);
  assert.deepEqual(tags['XMP-lr:HierarchicalSubject'], ['Film genre|Drama', 'Film genre|Sci-Fi∕Fantasy']);
  assert.deepEqual(tags['XMP-digiKam:TagsList'], ['Film genre/Drama', 'Film genre/Sci-Fi∕Fantasy']);
  assert.deepEqual(tags['XMP-dc:Subject'], ['Drama', 'Sci-Fi/Fantasy']);
  await writeXmpSidecars(1, [{ path: b, tags: ['Drama', 'Action'] }], { flatOnly: true });
  tags = exiftoolJson(`${b}.xmp`);
  for (const k of ['XMP-dc:Subject', 'XMP-lr:HierarchicalSubject', 'XMP-digiKam:TagsList']) assert.deepEqual(tags[k], ['Drama', 'Action'], k);
  // Switching to a root replaces our flat keywords rather than adding to them.
  await writeXmpSidecars(1, [{ path: b, tags: ['Drama', 'Action'] }], { overwrite: true });
  tags = exiftoolJson(`${b}.xmp`);
  assert.deepEqual(tags['XMP-lr:HierarchicalSubject'], ['Genre|Drama', 'Genre|Action']);
  assert.deepEqual(tags['XMP-dc:Subject'], ['Drama', 'Action']);
});

test(
  "merge: another program's sidecar keeps every value (exiftool's full JSON) and gains ours; twice changes nothing; remove undoes it",
  { skip },
  async () => {
    const config = acmeConfig();
    const [image] = images(['poster.jpg']);
    const sidecar = `${image}.xmp`;
    foreignSidecar(sidecar, config);
    const before = exiftoolJson(sidecar, config);
    assert.equal(before['XMP-acme:Project'], 'Q3 shoot');
    const bytesBefore = fs.readFileSync(sidecar, 'utf8');

    // First the question: which sidecars of other programs would change; nothing is written.
    const asked = await writeXmpSidecars(3, [{ path: image, tags: ['Drama', 'Holiday'] }]);
    assert.equal(asked.exists, sidecar);
    assert.deepEqual(asked.merge, { count: 1, files: [sidecar] });
    assert.equal(asked.replace?.count, 0);
    assert.equal(fs.readFileSync(sidecar, 'utf8'), bytesBefore);

    const merged = await writeXmpSidecars(3, [{ path: image, tags: ['Drama', 'Holiday'] }], { overwrite: true });
    assert.equal(merged.filesWritten, 1);
    const after = exiftoolJson(sidecar, config);
    const ours = Object.keys(after).filter((k) => k.startsWith('XMP-posterTagger:'));
    const withoutOurs = Object.fromEntries(Object.entries(after).filter(([k]) => !ours.includes(k)));
    // Every value of before is still there; the keyword bags gained ours ("Holiday" was already there: not repeated).
    assert.deepEqual(
      {
        ...withoutOurs,
        'XMP-dc:Subject': before['XMP-dc:Subject'],
        'XMP-lr:HierarchicalSubject': before['XMP-lr:HierarchicalSubject'],
        'XMP-digiKam:TagsList': before['XMP-digiKam:TagsList'],
      },
      before,
    );
    assert.deepEqual(after['XMP-dc:Subject'], ['Holiday', 'Family & friends', 'Drama']);
    assert.deepEqual(after['XMP-lr:HierarchicalSubject'], ['Places|Paris', 'Genre|Drama', 'Genre|Holiday']);
    assert.deepEqual(after['XMP-digiKam:TagsList'], ['Places/Paris', 'Genre/Drama', 'Genre/Holiday']);
    assert.equal(after['XMP-xmp:Rating'], 4);
    assert.equal(after['XMP-xmp:Label'], 'Red');

    // Twice: nothing asked, nothing rewritten (bytes and modification time).
    const stamp = fs.statSync(sidecar).mtimeMs;
    const mergedBytes = fs.readFileSync(sidecar, 'utf8');
    const again = await writeXmpSidecars(3, [{ path: image, tags: ['Drama', 'Holiday'] }]);
    assert.equal(again.exists, undefined);
    assert.equal(again.filesWritten, 0);
    assert.equal(again.unchanged, 1);
    assert.equal(fs.readFileSync(sidecar, 'utf8'), mergedBytes);
    assert.equal(fs.statSync(sidecar).mtimeMs, stamp);

    // New tags replace only ours: Holiday (the user's) stays, Drama (ours) goes.
    await writeXmpSidecars(3, [{ path: image, tags: ['Action'] }], { overwrite: true });
    assert.deepEqual(exiftoolJson(sidecar, config)['XMP-dc:Subject'], ['Holiday', 'Family & friends', 'Action']);

    // Remove: asks first, then exactly the sidecar as it was (every tag exiftool reads).
    const removeAsked = await removeXmpKeywords([image]);
    assert.deepEqual(removeAsked.merge, { count: 1, files: [sidecar] });
    const removed = await removeXmpKeywords([image], { overwrite: true });
    assert.equal(removed.filesWritten, 1);
    assert.deepEqual(exiftoolJson(sidecar, config), before);
    assert.equal((await removeXmpKeywords([image], { overwrite: true })).filesWritten, 0, 'nothing of ours left');
  },
);

test('remove deletes sidecars we created that hold nothing else; keeps what a user added to one of ours', { skip }, async () => {
  const [a, b] = images(['a.jpg', 'b.jpg']);
  await writeXmpSidecars(
    1,
    [
      { path: a, tags: ['Drama'] },
      { path: b, tags: ['Drama'] },
    ],
    { naming: 'basename' },
  );
  const sa = a.replace(/\.jpg$/, '.xmp');
  const sb = b.replace(/\.jpg$/, '.xmp');
  // digiKam rated b and added a keyword of its own.
  exiftool(['-overwrite_original', '-XMP-xmp:Rating=5', '-XMP-dc:Subject+=Favourite', sb]);
  const r = await removeXmpKeywords([a, b], { overwrite: true });
  assert.equal(r.deleted, 1);
  assert.equal(fs.existsSync(sa), false);
  const left = exiftoolJson(sb);
  assert.equal(left['XMP-xmp:Rating'], 5);
  assert.deepEqual(left['XMP-dc:Subject'], ['Favourite']);
  assert.equal(left['XMP-lr:HierarchicalSubject'], undefined);
});

test('a malformed sidecar is reported and left as it is; sidecars two images would share are not written', async () => {
  const [a, b, c] = images(['a.jpg', 'b.jpg', 'b.png']);
  fs.writeFileSync(`${a}.xmp`, '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF');
  const r = await writeXmpSidecars(1, [{ path: a, tags: ['Drama'] }], { overwrite: true });
  assert.equal(r.filesWritten, 0);
  assert.match(r.skipped[0].reason, /not valid XMP/);
  assert.equal(fs.readFileSync(`${a}.xmp`, 'utf8'), '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF');
  const shared = await writeXmpSidecars(
    1,
    [
      { path: b, tags: ['Drama'] },
      { path: c, tags: ['Action'] },
    ],
    { naming: 'basename' },
  );
  assert.equal(shared.filesWritten, 0);
  assert.match(shared.skipped[0].reason, /b\.jpg and b\.png would share this sidecar/);
});

test('a sidecar of an older version (dc:subject only) is ours: its keywords are replaced after asking, and remove deletes it', async () => {
  const [a] = images(['old.jpg']);
  const old = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Poster Tagger">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Poster Tagger (run 2)" xmp:MetadataDate="2026-01-01T00:00:00.000Z">
   <dc:subject><rdf:Bag><rdf:li>Comedy</rdf:li></rdf:Bag></dc:subject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
`;
  fs.writeFileSync(`${a}.xmp`, old);
  const asked = await writeXmpSidecars(2, [{ path: a, tags: ['Drama'] }]);
  assert.deepEqual(asked.replace, { count: 1, files: [`${a}.xmp`], newFiles: 0 });
  assert.equal(asked.merge, undefined);
  await writeXmpSidecars(2, [{ path: a, tags: ['Drama'] }], { overwrite: true });
  const doc = parseXmp(fs.readFileSync(`${a}.xmp`, 'utf8'));
  const subject = Array.from(
    doc.getElementsByTagNameNS('http://purl.org/dc/elements/1.1/', 'subject')[0].getElementsByTagNameNS('http://www.w3.org/1999/02/22-rdf-syntax-ns#', 'li'),
  ).map((li) => li.textContent);
  assert.deepEqual(subject, ['Drama']);
  assert.equal((await removeXmpKeywords([a], { overwrite: true })).deleted, 1);
  assert.equal(fs.existsSync(`${a}.xmp`), false);
});

test('a sidecar with a byte-order mark and Windows line ends keeps both; an XML declaration and comments stay', async () => {
  const [a] = images(['win.jpg']);
  const text =
    '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- written on Windows -->\r\n<x:xmpmeta xmlns:x="adobe:ns:meta/">\r\n <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\r\n  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="1"/>\r\n </rdf:RDF>\r\n</x:xmpmeta>\r\n';
  fs.writeFileSync(`${a}.xmp`, text);
  await writeXmpSidecars(1, [{ path: a, tags: ['Drama'] }], { overwrite: true });
  const merged = fs.readFileSync(`${a}.xmp`, 'utf8');
  assert.ok(merged.startsWith('\uFEFF<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- written on Windows -->'));
  assert.doesNotMatch(merged.replace(/\r\n/g, ''), /\n/, 'every line ends in CRLF');
  assert.match(merged, /<rdf:li>Drama<\/rdf:li>/);
  await removeXmpKeywords([a], { overwrite: true });
  const back = fs.readFileSync(`${a}.xmp`, 'utf8');
  assert.ok(back.startsWith('\uFEFF<?xml'));
  assert.doesNotMatch(back, /Drama|posterTagger/);
  assert.match(back, /xmp:Rating="1"/);
});
