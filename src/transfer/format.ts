/**
 * The export format of the store: one UTF-8 text stream, one record a line, that `export` writes and
 * `import` reads back.
 *
 * ```text
 * {"resource-store":"export","format":1,"revision":42}                         header
 * {"ref":{...},"uid":"...","labels":{},"annotations":{},"dataType":null,"data":...}   one line per resource
 * <urn:resource-store:ref:apps/v1/Deployment/default/web> <urn:resource-store:predicate:OwnerReference> <urn:resource-store:ref:apps/v1/ReplicaSet/default/web-1> .
 * _:r1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> <urn:resource-store:ref:apps/v1/Deployment/default/web> .
 * _:r1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> <urn:resource-store:predicate:OwnerReference> .
 * _:r1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> <urn:resource-store:ref:apps/v1/ReplicaSet/default/web-1> .
 * _:r1 <urn:resource-store:data> "{\"controller\":true}"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON> .
 * ```
 *
 * Lines starting with `{` are JSON (NDJSON); every other non-blank line is an N-Quads statement, all in
 * the default graph, so `grep '^{'` and `grep -v '^{'` split the stream into a plain NDJSON file and a
 * plain N-Quads (and N-Triples) file, each of which `import` also reads on its own.
 *
 * - A resource line carries what a writer sets: `ref`, `uid`, `labels`, `annotations`, `dataType`, `data`.
 *   The store's bookkeeping (`version`, `revision`, `createdAt`, `updatedAt`) is not exported: an
 *   import cannot impose it.
 * - A relationship is the triple `<subject> <predicate> <object>`, refs and predicate types as URNs
 *   (each ref part percent-encoded: every byte but `A-Z a-z 0-9 - . _ ~`). Predicate data, when not
 *   null, is attached by standard RDF reification: a blank node with `rdf:subject`, `rdf:predicate`,
 *   `rdf:object` naming the triple and `<urn:resource-store:data>` an `rdf:JSON` literal of the data.
 *
 * This module writes the format; `reader.ts` reads it.
 */
import { DataFactory, Writer } from 'n3';
import type { JsonObject, JsonValue, Relationship, Resource, ResourceRef } from '../store/index.ts';

/** The `format` number of the header this module writes and reads. */
export const EXPORT_FORMAT = 1;

/** URN prefix of a resource ref: parts `group/version/kind/namespace/name`, each percent-encoded. */
export const REF_IRI = 'urn:resource-store:ref:';
/** URN prefix of a predicate type. */
export const PREDICATE_IRI = 'urn:resource-store:predicate:';
/** Predicate of the reified statement that carries a relationship's data. */
export const DATA_IRI = 'urn:resource-store:data';
const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
/** The datatype of a relationship's data literal. */
export const RDF_JSON = `${RDF}JSON`;
/** `rdf:type`, which a reified statement may state (as `rdf:Statement`). */
export const RDF_TYPE = `${RDF}type`;
/** `rdf:Statement`. */
export const RDF_STATEMENT = `${RDF}Statement`;
/** The predicates of a reified statement's subject, predicate and object. */
export const REIFICATION = {
  subject: `${RDF}subject`,
  predicate: `${RDF}predicate`,
  object: `${RDF}object`,
} as const;

/** File names `import` reads as exports whatever their content. */
export const EXPORT_EXTENSIONS = ['.ndjson', '.jsonl', '.nq', '.nt'] as const;

/** A resource as exported: everything a writer sets, nothing the store assigns. */
export interface ExportedResource {
  ref: ResourceRef;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  dataType: string | null;
  data: JsonValue;
}

/** A relationship as exported (and as `import` writes it). */
export interface ExportedRelationship {
  subject: ResourceRef;
  predicate: { type: string; data: JsonObject | null };
  object: ResourceRef;
}

/** The fields of a resource line, in the order they are written. */
export const RESOURCE_FIELDS = ['ref', 'uid', 'labels', 'annotations', 'dataType', 'data'] as const;

// --- writing --------------------------------------------------------------------------------------

/** The first line of an export. */
export function headerLine(revision: number): string {
  return `${JSON.stringify({ 'resource-store': 'export', format: EXPORT_FORMAT, revision })}\n`;
}

/** A resource's line. */
export function resourceLine(resource: Resource): string {
  const { ref, uid, labels, annotations, dataType, data } = resource;
  const { group, version, kind, namespace, name } = ref;
  return `${JSON.stringify({ ref: { group, version, kind, namespace, name }, uid, labels, annotations, dataType, data })}\n`;
}

const { namedNode, blankNode, literal } = DataFactory;
const writer = new Writer({ format: 'N-Quads' });

/**
 * A relationship's statements: its triple and, when its data is not null, the reification that
 * carries the data on the blank node `_:<blankLabel>` (unique within the export).
 */
export function relationshipLines(relationship: Relationship, blankLabel: string): string {
  const subject = namedNode(refIri(relationship.subject));
  const predicate = namedNode(predicateIri(relationship.predicate.type));
  const object = namedNode(refIri(relationship.object));
  const triple = writer.quadToString(subject, predicate, object);
  const { data } = relationship.predicate;
  if (data === null) return triple;
  const node = blankNode(blankLabel);
  return (
    triple +
    writer.quadToString(node, namedNode(REIFICATION.subject), subject) +
    writer.quadToString(node, namedNode(REIFICATION.predicate), predicate) +
    writer.quadToString(node, namedNode(REIFICATION.object), object) +
    writer.quadToString(node, namedNode(DATA_IRI), literal(JSON.stringify(data), namedNode(RDF_JSON)))
  );
}

/** `urn:resource-store:ref:GROUP/VERSION/KIND/NAMESPACE/NAME`, each part percent-encoded. */
export function refIri(ref: ResourceRef): string {
  return REF_IRI + [ref.group, ref.version, ref.kind, ref.namespace, ref.name].map(encodePart).join('/');
}

/** `urn:resource-store:predicate:TYPE`, the type percent-encoded. */
export function predicateIri(type: string): string {
  return PREDICATE_IRI + encodePart(type);
}

/** Percent-encodes the UTF-8 bytes of everything but the URI's unreserved characters. */
function encodePart(part: string): string {
  return encodeURIComponent(part).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
