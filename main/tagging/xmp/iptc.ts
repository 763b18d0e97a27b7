/**
 * IPTC-IIM keywords inside a Photoshop image-resource block (JPEG APP13), the "Keywords" Lightroom and
 * older tools read from a file: parse the datasets, add keywords (2:25), write it back with every other
 * dataset and resource kept. Spec: IPTC-NAA IIM 4.2; Photoshop file format, "Image resource blocks".
 */
import crypto from 'node:crypto';

export const PHOTOSHOP = Buffer.from('Photoshop 3.0\0', 'latin1');
const IRB = Buffer.from('8BIM', 'latin1');
const RES_IPTC = 0x0404;
/** MD5 of the IPTC block: readers that find it stale prefer XMP over IPTC, so it is recomputed. */
const RES_IPTC_DIGEST = 0x0425;
const KEYWORD_MAX_BYTES = 64;
/** 1:90 Coded Character Set = ESC % G: the datasets are UTF-8. */
const UTF8 = Buffer.from([0x1b, 0x25, 0x47]);

export interface Resource {
  id: number;
  name: Buffer;
  data: Buffer;
}
export interface Dataset {
  record: number;
  tag: number;
  value: Buffer;
}

export class IptcError extends Error {}

const even = (n: number) => n + (n & 1);

export function parseResources(buf: Buffer): Resource[] {
  const out: Resource[] = [];
  let at = 0;
  while (at + 12 <= buf.length && buf.subarray(at, at + 4).equals(IRB)) {
    const id = buf.readUInt16BE(at + 4);
    const nameLen = buf[at + 6];
    const name = buf.subarray(at + 7, at + 7 + nameLen);
    at += 6 + even(1 + nameLen);
    if (at + 4 > buf.length) throw new IptcError('truncated image resource');
    const size = buf.readUInt32BE(at);
    if (at + 4 + size > buf.length) throw new IptcError('truncated image resource');
    out.push({ id, name: Buffer.from(name), data: Buffer.from(buf.subarray(at + 4, at + 4 + size)) });
    at += 4 + even(size);
  }
  return out;
}

export function serializeResources(list: readonly Resource[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of list) {
    const head = Buffer.alloc(6);
    IRB.copy(head);
    head.writeUInt16BE(r.id, 4);
    const name = Buffer.alloc(even(1 + r.name.length));
    name[0] = r.name.length;
    r.name.copy(name, 1);
    const size = Buffer.alloc(4);
    size.writeUInt32BE(r.data.length);
    parts.push(head, name, size, r.data);
    if (r.data.length & 1) parts.push(Buffer.alloc(1));
  }
  return Buffer.concat(parts);
}

export function parseDatasets(buf: Buffer): Dataset[] {
  const out: Dataset[] = [];
  let at = 0;
  while (at < buf.length) {
    if (buf[at] === 0) break; // padding
    if (buf[at] !== 0x1c || at + 5 > buf.length) throw new IptcError('malformed IPTC dataset');
    const record = buf[at + 1];
    const tag = buf[at + 2];
    let len = buf.readUInt16BE(at + 3);
    at += 5;
    if (len & 0x8000) {
      // Extended dataset: the low bits count the length bytes that follow.
      const n = len & 0x7fff;
      if (n > 4 || at + n > buf.length) throw new IptcError('malformed IPTC dataset length');
      len = buf.readUIntBE(at, n);
      at += n;
    }
    if (at + len > buf.length) throw new IptcError('truncated IPTC dataset');
    out.push({ record, tag, value: Buffer.from(buf.subarray(at, at + len)) });
    at += len;
  }
  return out;
}

export function serializeDatasets(list: readonly Dataset[]): Buffer {
  return Buffer.concat(
    list.map((d) => {
      if (d.value.length > 0x7fff) throw new IptcError('IPTC dataset too long');
      const head = Buffer.from([0x1c, d.record, d.tag, 0, 0]);
      head.writeUInt16BE(d.value.length, 3);
      return Buffer.concat([head, d.value]);
    }),
  );
}

/** A keyword cut to IIM's 64 bytes without splitting a UTF-8 character. */
function keywordBytes(k: string): Buffer {
  let b = Buffer.from(k, 'utf8');
  while (b.length > KEYWORD_MAX_BYTES) b = Buffer.from((k = k.slice(0, -1)), 'utf8');
  return b;
}

const nonAscii = (k: string) => [...k].some((c) => c.charCodeAt(0) > 0x7f);

/** The IPTC block with `keywords` added to 2:25 (those already there are not repeated; all else kept). */
export function withKeywords(iptc: Buffer | undefined, keywords: readonly string[]): Buffer {
  const sets = iptc ? parseDatasets(iptc) : [];
  const charset = sets.find((d) => d.record === 1 && d.tag === 90);
  if (!charset) {
    // No declared character set: declaring UTF-8 would change how text already there (often Latin-1) reads.
    const legacy = sets.some((d) => d.value.some((b) => b >= 0x80));
    if (!legacy) sets.unshift({ record: 1, tag: 90, value: UTF8 });
    else if (keywords.some(nonAscii)) throw new IptcError('the IPTC block has text in an undeclared character set; non-ASCII keywords cannot be added safely');
  } else if (!charset.value.equals(UTF8) && keywords.some(nonAscii)) {
    throw new IptcError('the IPTC block is not UTF-8; non-ASCII keywords cannot be added safely');
  }
  if (!sets.some((d) => d.record === 2 && d.tag === 0)) {
    const first2 = sets.findIndex((d) => d.record >= 2);
    sets.splice(first2 < 0 ? sets.length : first2, 0, { record: 2, tag: 0, value: Buffer.from([0, 4]) });
  }
  const have = new Set(sets.filter((d) => d.record === 2 && d.tag === 25).map((d) => d.value.toString('utf8')));
  let last2 = sets.map((d) => d.record).lastIndexOf(2);
  for (const k of keywords) {
    const value = keywordBytes(k);
    if (have.has(value.toString('utf8'))) continue;
    have.add(value.toString('utf8'));
    sets.splice(++last2, 0, { record: 2, tag: 25, value });
  }
  return serializeDatasets(sets);
}

/** The Photoshop APP13 payload (after "Photoshop 3.0\0") with the keywords added to its IPTC resource. */
export function photoshopWithKeywords(payload: Buffer | undefined, keywords: readonly string[]): Buffer {
  const resources = payload ? parseResources(payload) : [];
  const at = resources.findIndex((r) => r.id === RES_IPTC);
  const iptc = withKeywords(at >= 0 ? resources[at].data : undefined, keywords);
  if (at >= 0) resources[at].data = iptc;
  else resources.push({ id: RES_IPTC, name: Buffer.alloc(0), data: iptc });
  const digest = resources.find((r) => r.id === RES_IPTC_DIGEST);
  if (digest) digest.data = crypto.createHash('md5').update(iptc).digest();
  return serializeResources(resources);
}
