/**
 * Embeds keywords in a JPEG's bytes: XMP (APP1, "http://ns.adobe.com/xap/1.0/") merged like a sidecar,
 * and IPTC Keywords (APP13, Photoshop resources). Every other segment (EXIF, ICC profile, JFIF, the image
 * data) is copied byte for byte. No npm package writes both with a DOM merge (exiftool-vendored needs
 * Perl and a child process), so this is a small writer of the two segments, checked with exiftool in tests.
 */
import { photoshopWithKeywords, PHOTOSHOP } from './iptc';
import type { Keywords } from './keywords';
import { mergeKeywords } from './merge';

const XMP_HEADER = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');
const MAX_SEGMENT = 0xffff - 2;

export class JpegError extends Error {}

interface Segment {
  marker: number;
  /** Payload after the 2-byte length. */
  data: Buffer;
}

export const isJpeg = (b: Buffer) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** The segments before the image data (SOS), and the rest from SOS on, as it is. */
function split(jpeg: Buffer): { segments: Segment[]; rest: Buffer } {
  if (!isJpeg(jpeg)) throw new JpegError('not a JPEG file');
  const segments: Segment[] = [];
  let at = 2;
  for (;;) {
    while (jpeg[at] === 0xff && jpeg[at + 1] === 0xff) at++; // fill bytes
    if (at + 4 > jpeg.length || jpeg[at] !== 0xff) throw new JpegError('the JPEG ends or is damaged before its image data');
    const marker = jpeg[at + 1];
    if (marker === 0xda || marker === 0xd9) return { segments, rest: jpeg.subarray(at) };
    const len = jpeg.readUInt16BE(at + 2);
    if (len < 2 || at + 2 + len > jpeg.length) throw new JpegError('a JPEG segment runs past the end of the file');
    segments.push({ marker, data: jpeg.subarray(at + 4, at + 2 + len) });
    at += 2 + len;
  }
}

function encode(s: Segment): Buffer {
  if (s.data.length > MAX_SEGMENT) throw new JpegError('the metadata does not fit in one JPEG segment (64 KB)');
  const head = Buffer.from([0xff, s.marker, 0, 0]);
  head.writeUInt16BE(s.data.length + 2, 2);
  return Buffer.concat([head, s.data]);
}

const startsWith = (b: Buffer, head: Buffer) => b.length >= head.length && b.subarray(0, head.length).equals(head);
const isXmp = (s: Segment) => s.marker === 0xe1 && startsWith(s.data, XMP_HEADER);
const isPhotoshop = (s: Segment) => s.marker === 0xed && startsWith(s.data, PHOTOSHOP);

/**
 * A copy of `jpeg` whose XMP holds our keywords (merged into any XMP it had) and whose IPTC Keywords
 * include the flat genres. Throws JpegError (or XmpParseError/IptcError) when the file cannot be edited safely.
 */
export function jpegWithKeywords(jpeg: Buffer, want: Keywords, runId: number, date?: string): Buffer {
  const { segments, rest } = split(jpeg);
  const xmpAt = segments.findIndex(isXmp);
  const oldXmp = xmpAt >= 0 ? segments[xmpAt].data.subarray(XMP_HEADER.length).toString('utf8') : null;
  const merged = mergeKeywords(oldXmp, want, runId, date);
  const xmp: Segment = { marker: 0xe1, data: Buffer.concat([XMP_HEADER, Buffer.from(merged.content ?? '', 'utf8')]) };
  // A Photoshop block split over several APP13 segments is joined into one.
  const ps = segments.filter(isPhotoshop);
  const payload = ps.length ? Buffer.concat(ps.map((s) => s.data.subarray(PHOTOSHOP.length))) : undefined;
  const app13: Segment = { marker: 0xed, data: Buffer.concat([PHOTOSHOP, photoshopWithKeywords(payload, want.subject)]) };

  const out = segments.filter((s) => !isPhotoshop(s));
  if (xmpAt >= 0) out[out.findIndex(isXmp)] = xmp;
  // New segments go after JFIF (APP0) and EXIF (APP1), where readers expect them.
  let insertAt = 0;
  while (insertAt < out.length && (out[insertAt].marker === 0xe0 || out[insertAt].marker === 0xe1)) insertAt++;
  out.splice(insertAt, 0, ...(xmpAt >= 0 ? [] : [xmp]), app13);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), ...out.map(encode), rest]);
}
