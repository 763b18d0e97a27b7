/**
 * Merging our genre keywords into a sidecar, whoever wrote it. Only keywords we added are ever removed or
 * replaced: the packet records them in our own namespace (posterTagger:Subject, …), so a keyword the user
 * or another program had already is neither duplicated nor, on "remove", taken away. Every other property
 * (rating, colour label, other keywords, history, unknown namespaces) stays in the DOM untouched.
 */
import type { Document, Element } from '@xmldom/xmldom';
import { KEYWORD_PROPS, NS, type KeywordKey, type Keywords } from './keywords';
import {
  appendIndented,
  arrayOf,
  bagValues,
  childElements,
  descriptionFor,
  descriptions,
  findProperty,
  itemValue,
  items,
  parseXmp,
  qualifiedName,
  removeWithIndent,
  serializeXmp,
} from './packet';

/** Marks a sidecar Poster Tagger created (x:xmptk); older versions wrote only that and dc:subject. */
export const XMP_TOOLKIT = 'Poster Tagger';

const RECORD: Record<KeywordKey, string> = { subject: 'Subject', hierarchical: 'HierarchicalSubject', tagsList: 'TagsList' };
const CREATED = 'CreatedSidecar';

export interface MergeOutcome {
  /** The new packet; null when "remove" leaves a sidecar we created with nothing in it (delete it). */
  content: string | null;
  changed: boolean;
}

/** Did Poster Tagger create this sidecar (as opposed to adding keywords to another program's)? */
export function createdByUs(doc: Document): boolean {
  const meta = doc.documentElement;
  if (meta?.namespaceURI === NS.x && meta.getAttributeNS(NS.x, 'xmptk') === XMP_TOOLKIT) return true;
  return descriptions(doc).some((d) => d.getAttributeNS(NS.posterTagger, CREATED) === 'True');
}

/** Which values of each property are ours. A sidecar of an older version (no record) was all ours. */
function recorded(doc: Document): Keywords {
  const rec = Object.fromEntries(KEYWORD_PROPS.map((p) => [p.key, bagValues(doc, 'posterTagger', RECORD[p.key])])) as Keywords;
  const any = KEYWORD_PROPS.some((p) => findProperty(doc, NS.posterTagger, RECORD[p.key]));
  if (!any && createdByUs(doc)) rec.subject = bagValues(doc, 'dc', 'subject');
  return rec;
}

/** A new, empty sidecar of ours. */
export function emptySidecar(runId: number, date: string): string {
  return `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="${NS.x}" x:xmptk="${XMP_TOOLKIT}">
 <rdf:RDF xmlns:rdf="${NS.rdf}">
  <rdf:Description rdf:about=""
    xmlns:xmp="${NS.xmp}"
    xmlns:posterTagger="${NS.posterTagger}"
    xmp:CreatorTool="${XMP_TOOLKIT} (run ${runId})"
    xmp:MetadataDate="${date}"
    posterTagger:${CREATED}="True">
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
`;
}

/** Sets property `prefix:name` (a Bag or Seq) to `keep` values (li elements not in `drop` stay as they are) plus `add`. */
function editBag(
  doc: Document,
  prefix: 'dc' | 'lr' | 'digiKam' | 'posterTagger',
  name: string,
  drop: Set<string>,
  add: string[],
  kind: 'Bag' | 'Seq' = 'Bag',
): void {
  let prop = findProperty(doc, NS[prefix], name);
  let removed = false;
  if (prop) {
    const array = arrayOf(prop);
    for (const li of array ? items(array) : [])
      if (drop.has(itemValue(li))) {
        removeWithIndent(li);
        removed = true;
      }
  }
  if (add.length) {
    if (!prop) {
      const host = descriptionFor(doc, prefix);
      prop = doc.createElementNS(NS[prefix], qualifiedName(host, prefix, name));
      appendIndented(host, prop);
    }
    let array = arrayOf(prop);
    if (!array) {
      array = doc.createElementNS(NS.rdf, qualifiedName(prop, 'rdf', kind));
      appendIndented(prop, array);
    }
    for (const value of add) {
      const li = doc.createElementNS(NS.rdf, qualifiedName(array, 'rdf', 'li'));
      li.appendChild(doc.createTextNode(value));
      appendIndented(array, li);
    }
  } else if (prop && removed) {
    const array = arrayOf(prop);
    if (!array || !items(array).length) removeWithIndent(prop);
  }
}

/** Namespaces a merge may have declared: their declarations go again once nothing uses them. */
const ADDED_NAMESPACES: string[] = [NS.posterTagger, NS.lr, NS.digiKam, NS.dc];

function usesNamespace(el: Element, ns: string): boolean {
  if (el.namespaceURI === ns) return true;
  for (let i = 0; i < el.attributes.length; i++) if (el.attributes.item(i)!.namespaceURI === ns) return true;
  return childElements(el).some((c) => usesNamespace(c, ns));
}

/** Drops our marker (unless we created the sidecar) and declarations of namespaces nothing uses any more. */
function tidyNamespaces(doc: Document, keepCreated: boolean): void {
  for (const d of descriptions(doc)) {
    if (!keepCreated) d.removeAttributeNS(NS.posterTagger, CREATED);
    const declarations = Array.from({ length: d.attributes.length }, (_, i) => d.attributes.item(i)!).filter((a) => a.name.startsWith('xmlns:'));
    for (const a of declarations) if (ADDED_NAMESPACES.includes(a.value) && !usesNamespace(d, a.value)) d.removeAttributeNode(a);
  }
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && new Set(a).size === new Set([...a, ...b]).size;

/**
 * Applies `want` (our keywords; all empty = remove ours) to a parsed packet. Returns whether anything
 * changes: a keyword already present (ours or not) is left where it is, so an export run twice, or
 * after another program reordered the bag, changes nothing.
 */
function applyKeywords(doc: Document, want: Keywords): boolean {
  const ours = recorded(doc);
  let changed = false;
  for (const { key, prefix, name, array } of KEYWORD_PROPS) {
    const present = bagValues(doc, prefix, name);
    const wanted = new Set(want[key]);
    const drop = new Set(ours[key].filter((v) => !wanted.has(v)));
    const kept = present.filter((v) => !drop.has(v));
    const add = want[key].filter((v) => !kept.includes(v));
    const nowOurs = want[key].filter((v) => add.includes(v) || ours[key].includes(v));
    if (drop.size || add.length) {
      editBag(doc, prefix, name, drop, add, array);
      changed = true;
    }
    if (!sameSet(nowOurs, ours[key]) || (nowOurs.length && !findProperty(doc, NS.posterTagger, RECORD[key]))) {
      editBag(doc, 'posterTagger', RECORD[key], new Set(bagValues(doc, 'posterTagger', RECORD[key])), nowOurs);
      changed = true;
    }
  }
  return changed;
}

/** The file's byte-order mark and line ends, which the DOM does not keep: put back on the way out. */
function fileStyle(text: string) {
  const bom = text.startsWith('\uFEFF');
  const crlf = /\r\n/.test(text);
  return {
    body: bom ? text.slice(1) : text,
    restore: (out: string) => (bom ? '\uFEFF' : '') + (crlf ? out.replace(/\r?\n/g, '\r\n') : out),
  };
}

/** The sidecar with our keywords set to `want` (an existing packet merged, or a new one of ours). */
export function mergeKeywords(existing: string | null, want: Keywords, runId: number, date = new Date().toISOString()): MergeOutcome {
  const style = fileStyle(existing ?? emptySidecar(runId, date));
  const doc = parseXmp(style.body);
  const changed = applyKeywords(doc, want) || existing === null;
  return { content: changed ? style.restore(serializeXmp(doc)) : existing, changed };
}

/** Only xmp:CreatorTool/MetadataDate and markup left: a sidecar of ours with nothing of the user's in it. */
function onlyOurShell(doc: Document): boolean {
  return descriptions(doc).every((d) => {
    if (childElements(d).length) return false;
    const attrs = Array.from({ length: d.attributes.length }, (_, i) => d.attributes.item(i)!);
    return attrs.every(
      (a) =>
        a.name === 'xmlns' ||
        a.name.startsWith('xmlns:') ||
        (a.namespaceURI === NS.rdf && a.localName === 'about') ||
        (a.namespaceURI === NS.xmp && (a.localName === 'CreatorTool' || a.localName === 'MetadataDate')) ||
        a.namespaceURI === NS.posterTagger,
    );
  });
}

/** Takes our keywords out again; a sidecar we created and nobody added to is deleted (content null). */
export function removeKeywords(existing: string): MergeOutcome {
  const style = fileStyle(existing);
  const doc = parseXmp(style.body);
  const none: Keywords = { subject: [], hierarchical: [], tagsList: [] };
  const created = createdByUs(doc);
  const changed = applyKeywords(doc, none);
  if (created && onlyOurShell(doc)) return { content: null, changed: true };
  if (!changed) return { content: existing, changed: false };
  tidyNamespaces(doc, created);
  return { content: style.restore(serializeXmp(doc)), changed: true };
}
