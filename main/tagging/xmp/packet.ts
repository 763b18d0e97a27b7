/**
 * Reading and writing XMP packets as XML DOM (@xmldom/xmldom): parse strictly, find a property in any
 * rdf:Description, read and edit its rdf:Bag, serialise. Edits go through the DOM so every other
 * property, namespace and comment of the packet survives as it was.
 */
import { DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { NS, type Prefix } from './keywords';

export class XmpParseError extends Error {}

/** Parses a sidecar; throws XmpParseError (with the parser's reason) on anything that is not well-formed XMP. */
export function parseXmp(text: string): Document {
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new XmpParseError(message);
      },
    }).parseFromString(text.replace(/^\uFEFF/, ''), 'text/xml'); // a byte-order mark is not content
  } catch (err) {
    throw new XmpParseError(`not well-formed XML (${(err as Error).message.split('\n')[0]})`);
  }
  if (doc.doctype) throw new XmpParseError('an XMP packet has no DOCTYPE');
  if (!rdfRoot(doc)) throw new XmpParseError('no rdf:RDF element: not an XMP packet');
  return doc;
}

export function serializeXmp(doc: Document): string {
  const text = new XMLSerializer().serializeToString(doc);
  return text.endsWith('\n') ? text : `${text}\n`;
}

export function rdfRoot(doc: Document): Element | undefined {
  return doc.getElementsByTagNameNS(NS.rdf, 'RDF')[0] ?? undefined;
}

export function descriptions(doc: Document): Element[] {
  const rdf = rdfRoot(doc);
  return rdf ? childElements(rdf).filter((e) => e.namespaceURI === NS.rdf && e.localName === 'Description') : [];
}

export function childElements(el: Element): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

/** The property element `ns:name` in any top-level rdf:Description. */
export function findProperty(doc: Document, ns: string, name: string): Element | undefined {
  for (const d of descriptions(doc)) {
    const hit = childElements(d).find((e) => e.namespaceURI === ns && e.localName === name);
    if (hit) return hit;
  }
  return undefined;
}

/** A simple property given as an attribute of an rdf:Description (`xmp:Rating="3"`), or as an element. */
export function simpleValue(doc: Document, ns: string, name: string): string | undefined {
  for (const d of descriptions(doc)) if (d.hasAttributeNS(ns, name)) return d.getAttributeNS(ns, name) ?? undefined;
  const el = findProperty(doc, ns, name);
  return el && !childElements(el).length ? (el.textContent ?? '') : undefined;
}

/** The array inside a property (rdf:Bag, or a Seq some writers use), if any. */
export function arrayOf(prop: Element): Element | undefined {
  return childElements(prop).find((e) => e.namespaceURI === NS.rdf && (e.localName === 'Bag' || e.localName === 'Seq' || e.localName === 'Alt'));
}

export function items(array: Element): Element[] {
  return childElements(array).filter((e) => e.namespaceURI === NS.rdf && e.localName === 'li');
}

export const itemValue = (li: Element) => (li.textContent ?? '').trim();

/** The values of a Bag property ([] when absent). */
export function bagValues(doc: Document, prefix: Prefix, name: string): string[] {
  const prop = findProperty(doc, NS[prefix], name);
  const array = prop && arrayOf(prop);
  return array ? items(array).map(itemValue) : [];
}

/**
 * The rdf:Description a new property of `prefix` goes into: the one already declaring its namespace
 * (exiftool writes one per namespace), else the first one; one is created if the packet has none.
 */
export function descriptionFor(doc: Document, prefix: Prefix): Element {
  const all = descriptions(doc);
  const declaring = all.find((d) => d.getAttribute(`xmlns:${prefix}`) === NS[prefix]);
  if (declaring) return declaring;
  if (all[0]) return all[0];
  const rdf = rdfRoot(doc)!;
  const d = doc.createElementNS(NS.rdf, `${rdf.prefix ?? 'rdf'}:Description`);
  d.setAttributeNS(NS.rdf, `${rdf.prefix ?? 'rdf'}:about`, '');
  rdf.appendChild(d);
  return d;
}

/**
 * The qualified name for `prefix:name` inside `host`: the packet's own prefix for that namespace if it
 * binds one in scope, else ours (declared on the host; a clash with another namespace gets a numbered prefix).
 */
export function qualifiedName(host: Element, prefix: Prefix, name: string): string {
  const bound = host.lookupPrefix(NS[prefix]);
  if (bound) return `${bound}:${name}`;
  let p: string = prefix;
  for (let i = 1; host.lookupNamespaceURI(p) !== null; i++) p = `${prefix}${i}`;
  host.setAttributeNS(NS.xmlns, `xmlns:${p}`, NS[prefix]);
  return `${p}:${name}`;
}

/** The line break and indentation before `el` ("\n  "), or a guess from its depth. */
function leadOf(el: Element): string {
  const prev = el.previousSibling;
  const lead = prev && prev.nodeType === 3 ? /\n[ \t]*$/.exec(prev.nodeValue ?? '') : null;
  if (lead) return lead[0];
  let depth = 0;
  for (let p = el.parentNode; p && p.nodeType === 1; p = p.parentNode) depth++;
  return `\n${' '.repeat(depth)}`;
}

/** Whitespace the way the surrounding packet indents this parent's children. */
function indentOf(parent: Element): string {
  for (let n = parent.firstChild; n; n = n.nextSibling)
    if (n.nodeType === 3 && /^\s*\n[ \t]*$/.test(n.nodeValue ?? '') && n.nextSibling) return (n.nodeValue ?? '').replace(/^\s*\n/, '\n');
  return `${leadOf(parent)} `;
}

/** Appends `child` to `parent` on its own indented line (keeping the closing tag's line as it was). */
export function appendIndented(parent: Element, child: Element): void {
  const doc = parent.ownerDocument!;
  const last = parent.lastChild;
  const indent = indentOf(parent);
  if (last && last.nodeType === 3 && /^\s*$/.test(last.nodeValue ?? '')) {
    parent.insertBefore(doc.createTextNode(indent), last);
    parent.insertBefore(child, last);
  } else {
    parent.appendChild(doc.createTextNode(indent));
    parent.appendChild(child);
    parent.appendChild(doc.createTextNode(leadOf(parent)));
  }
}

/** Removes `el` with the whitespace that led up to it. */
export function removeWithIndent(el: Element): void {
  const prev = el.previousSibling;
  if (prev && prev.nodeType === 3 && /^\s*$/.test(prev.nodeValue ?? '')) prev.parentNode?.removeChild(prev);
  el.parentNode?.removeChild(el);
}
