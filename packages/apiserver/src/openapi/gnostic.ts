/**
 * The protobuf encoding of a Swagger 2.0 document that kubectl asks for with
 * `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`: the
 * `openapi.v2.Document` message of google/gnostic's `OpenAPIv2.proto`, as
 * gnostic's compiler fills it from the JSON document.
 *
 * Field numbers are gnostic's. Objects become their messages, JSON maps
 * become repeated `Named*` pairs in key order, `type` a `TypeItem`, `items` an
 * `ItemsItem`, and every `x-` extension a `NamedAny` whose value is YAML
 * text (we write JSON, which YAML readers accept). Proto3 defaults (empty
 * strings, false) are left out as the Go encoder leaves them out.
 */
import { WireWriter } from '../http/protobuf/wire-writer.js';
import type { SchemaObject } from './schemas.js';
import type { SwaggerDocument, SwaggerOperation, SwaggerParameter, SwaggerPathItem, SwaggerResponse } from './swagger.js';

/** The content type kubectl asks `/openapi/v2` for. */
export const GNOSTIC_V2_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

function str(w: WireWriter, field: number, value: string | undefined): void {
  if (value !== undefined && value !== '') w.string(field, value);
}

function strings(w: WireWriter, field: number, values: readonly string[] | undefined): void {
  for (const v of values ?? []) w.string(field, v);
}

function flag(w: WireWriter, field: number, value: boolean | undefined): void {
  if (value === true) w.bool(field, true);
}

/** `Any { yaml = 2 }`. */
function anyValue(value: unknown): WireWriter {
  return new WireWriter().string(2, JSON.stringify(value));
}

/** Every `x-` key of `object` as `NamedAny { name = 1; value = 2 }` in field `field`. */
function vendorExtensions(w: WireWriter, field: number, object: object): void {
  for (const [name, value] of Object.entries(object)) {
    if (name.startsWith('x-') && value !== undefined) w.message(field, new WireWriter().string(1, name).message(2, anyValue(value)));
  }
}

/** `Name* { name = 1; value = 2 }` for each entry of a map. */
function named<T>(w: WireWriter, field: number, map: Record<string, T>, encode: (value: T) => WireWriter): void {
  for (const [name, value] of Object.entries(map)) w.message(field, new WireWriter().string(1, name).message(2, encode(value)));
}

/** `Schema`. */
export function encodeSchema(s: SchemaObject): WireWriter {
  if (s.anyOf !== undefined) throw new Error('anyOf has no Swagger 2.0 encoding');
  const w = new WireWriter();
  str(w, 1, s.$ref);
  str(w, 2, s.format);
  str(w, 4, s.description);
  if (s.default !== undefined) w.message(5, anyValue(s.default));
  strings(w, 19, s.required);
  // AdditionalPropertiesItem { oneof { Schema schema = 1; bool boolean = 2; } }
  if (s.additionalProperties !== undefined) w.message(21, new WireWriter().message(1, encodeSchema(s.additionalProperties)));
  // TypeItem { repeated string value = 1; }
  if (s.type !== undefined) w.message(22, new WireWriter().string(1, s.type));
  // ItemsItem { repeated Schema schema = 1; }
  if (s.items !== undefined) w.message(23, new WireWriter().message(1, encodeSchema(s.items)));
  for (const inner of s.allOf ?? []) w.message(24, encodeSchema(inner));
  // Properties { repeated NamedSchema additional_properties = 1; }
  if (s.properties !== undefined) {
    const props = new WireWriter();
    named(props, 1, s.properties, encodeSchema);
    w.message(25, props);
  }
  vendorExtensions(w, 31, s);
  return w;
}

/** `ParametersItem { Parameter parameter = 1 }` around a body or non-body parameter. */
function encodeParameter(p: SwaggerParameter): WireWriter {
  const parameter = new WireWriter();
  if (p.in === 'body') {
    // BodyParameter
    const body = new WireWriter();
    str(body, 1, p.description);
    str(body, 2, p.name);
    str(body, 3, p.in);
    flag(body, 4, p.required);
    if (p.schema !== undefined) body.message(5, encodeSchema(p.schema));
    parameter.message(1, body);
  } else {
    // QueryParameterSubSchema and PathParameterSubSchema differ from field 5 on.
    const sub = new WireWriter();
    flag(sub, 1, p.required);
    str(sub, 2, p.in);
    str(sub, 3, p.description);
    str(sub, 4, p.name);
    if (p.in === 'query') {
      str(sub, 6, p.type);
      flag(sub, 20, p.uniqueItems);
    } else {
      str(sub, 5, p.type);
      flag(sub, 19, p.uniqueItems);
    }
    // NonBodyParameter { query_parameter_sub_schema = 3; path_parameter_sub_schema = 4; }
    parameter.message(2, new WireWriter().message(p.in === 'query' ? 3 : 4, sub));
  }
  return new WireWriter().message(1, parameter);
}

/** `ResponseValue { Response response = 1 }`. */
function encodeResponse(r: SwaggerResponse): WireWriter {
  const response = new WireWriter();
  str(response, 1, r.description);
  // SchemaItem { Schema schema = 1; }
  if (r.schema !== undefined) response.message(2, new WireWriter().message(1, encodeSchema(r.schema)));
  return new WireWriter().message(1, response);
}

function encodeOperation(op: SwaggerOperation): WireWriter {
  const w = new WireWriter();
  str(w, 3, op.description);
  str(w, 5, op.operationId);
  strings(w, 6, op.produces);
  strings(w, 7, op.consumes);
  for (const p of op.parameters) w.message(8, encodeParameter(p));
  // Responses { repeated NamedResponseValue response_code = 1; }
  const responses = new WireWriter();
  named(responses, 1, op.responses, encodeResponse);
  w.message(9, responses);
  strings(w, 10, op.schemes);
  vendorExtensions(w, 13, op);
  return w;
}

const PATH_ITEM_FIELDS = { get: 2, put: 3, post: 4, delete: 5, patch: 8 } as const;

function encodePathItem(item: SwaggerPathItem): WireWriter {
  const w = new WireWriter();
  for (const [method, field] of Object.entries(PATH_ITEM_FIELDS) as [keyof typeof PATH_ITEM_FIELDS, number][]) {
    const op = item[method];
    if (op !== undefined) w.message(field, encodeOperation(op));
  }
  for (const p of item.parameters ?? []) w.message(9, encodeParameter(p));
  return w;
}

/** The `openapi.v2.Document` bytes of `doc`. */
export function encodeSwaggerDocument(doc: SwaggerDocument): Uint8Array {
  const w = new WireWriter();
  str(w, 1, doc.swagger);
  w.message(2, new WireWriter().string(1, doc.info.title).string(2, doc.info.version));
  // Paths { repeated NamedPathItem path = 2; }
  const paths = new WireWriter();
  named(paths, 2, doc.paths, encodePathItem);
  w.message(8, paths);
  // Definitions { repeated NamedSchema additional_properties = 1; }
  const definitions = new WireWriter();
  named(definitions, 1, doc.definitions, encodeSchema);
  w.message(9, definitions);
  return w.finish();
}
