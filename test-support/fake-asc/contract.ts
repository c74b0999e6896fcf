/**
 * Checks requests and responses against Apple's OpenAPI document (asc-openapi/openapi.json).
 * The document is 2.9 MB, so it is parsed once per process and each schema compiled on first use.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ApiError } from './errors.js';

type Schema = Record<string, unknown>;

interface Param {
  name: string;
  in: string;
  required?: boolean;
  schema: Schema;
}

export interface Operation {
  method: string;
  template: string;
  params: Param[];
  bodyRef?: string;
  responseRef?: string;
  /** A GET whose response is a page: Apple's `next` links add `cursor`, which the document does not declare. */
  paged: boolean;
}

interface Spec {
  ajv: Ajv;
  doc: { paths: Record<string, Record<string, Schema>>; components: { schemas: Record<string, Schema> } };
  routes: Array<{ re: RegExp; names: string[]; template: string; ops: Map<string, Operation> }>;
  validators: Map<string, ValidateFunction>;
}

let spec: Spec | undefined;

const SPEC_URL = new URL('../../asc-openapi/openapi.json', import.meta.url);
/** Apple's documented `maximum` for `limit`, which the document lost. */
const LIMIT_MAX = 200;

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/** `nullable` beside `$ref` (as Apple writes it) is not something ajv accepts: rewrite it as `anyOf [..., null]`. */
function rewriteNullable(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(rewriteNullable);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const obj = node as Schema;
  // ajv resolves the branch by the `type` member itself and does not take `mapping`.
  if (obj.discriminator && typeof obj.discriminator === 'object') delete (obj.discriminator as Schema).mapping;
  if (obj.nullable === true && obj.type === undefined) {
    const { nullable: _nullable, ...rest } = obj;
    for (const key of Object.keys(obj)) delete obj[key];
    obj.anyOf = [rest, { type: 'null' }];
  }
  for (const value of Object.values(obj)) rewriteNullable(value);
}

export function loadSpec(): Spec {
  if (spec) return spec;
  const doc = JSON.parse(readFileSync(SPEC_URL, 'utf8')) as Spec['doc'];
  rewriteNullable(doc.components);
  rewriteNullable(doc.paths);
  const ajv = new Ajv({ strict: false, allErrors: true, discriminator: true, inlineRefs: false, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(doc, 'asc');
  const routes: Spec['routes'] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    const names: string[] = [];
    const re = new RegExp(
      '^' +
        template.replace(/\{([^}]+)\}|[^{]+/g, (m: string, name?: string) => {
          if (name) {
            names.push(name);
            return '([^/]+)';
          }
          return m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        }) +
        '$',
    );
    const ops = new Map<string, Operation>();
    for (const [method, raw] of Object.entries(item)) {
      if (method === 'parameters') continue;
      const params = ((raw.parameters ?? []) as Param[]).concat((item.parameters as unknown as Param[] | undefined) ?? []);
      const body = (raw.requestBody as Schema | undefined)?.content as Record<string, { schema: { $ref: string } }> | undefined;
      const responses = raw.responses as Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
      const ok = responses['200'] ?? responses['201'];
      ops.set(method.toUpperCase(), {
        method: method.toUpperCase(),
        template,
        params,
        bodyRef: body?.['application/json']?.schema.$ref,
        responseRef: ok?.content?.['application/json']?.schema.$ref,
        paged: method === 'get' && params.some((p) => p.name === 'limit'),
      });
    }
    routes.push({ re, names, template, ops });
  }
  spec = { ajv, doc, routes, validators: new Map() };
  return spec;
}

function validator(ref: string): ValidateFunction {
  const s = loadSpec();
  let v = s.validators.get(ref);
  if (!v) {
    v = s.ajv.getSchema('asc' + ref);
    if (!v) throw new Error(`no schema ${ref} in openapi.json`);
    s.validators.set(ref, v);
  }
  return v;
}

export interface Match {
  template?: string;
  op?: Operation;
  params: Record<string, string>;
  /** Methods the document allows on the matched path. */
  allowed: string[];
}

export function matchOperation(method: string, path: string): Match {
  for (const route of loadSpec().routes) {
    const m = route.re.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
    return { template: route.template, op: route.ops.get(method), params, allowed: [...route.ops.keys()] };
  }
  return { params: {}, allowed: [] };
}

const invalidParam = (name: string, detail: string): ApiError =>
  new ApiError(400, 'PARAMETER_ERROR.INVALID', 'A parameter has an invalid value', detail, { parameter: name });

/** Checks every query parameter: declared for the operation, given once, each comma-separated value valid. */
export function checkQuery(op: Operation, query: URLSearchParams): ApiError | undefined {
  const declared = new Map(op.params.filter((p) => p.in === 'query').map((p) => [p.name, p]));
  const seen = new Set<string>();
  for (const [name, value] of query) {
    if (seen.has(name)) return invalidParam(name, `The parameter '${name}' was given more than once`);
    seen.add(name);
    const param = declared.get(name);
    if (!param) {
      if (name === 'cursor' && op.paged) continue;
      return new ApiError(
        400,
        'PARAMETER_ERROR.ILLEGAL',
        'A parameter is not allowed for this request',
        `The parameter '${name}' can not be used with this request`,
        {
          parameter: name,
        },
      );
    }
    const problem = checkParamValue(param, value);
    if (problem) return invalidParam(name, problem);
  }
  for (const param of declared.values()) {
    if (param.required && !seen.has(param.name)) return invalidParam(param.name, `The parameter '${param.name}' is required`);
  }
  return undefined;
}

function checkParamValue(param: Param, value: string): string | undefined {
  const schema = param.schema;
  if (schema.type === 'array') {
    const items = (schema.items ?? {}) as Schema;
    for (const item of value.split(',')) {
      if (item === '') return `The parameter '${param.name}' has an empty value in '${value}'`;
      const allowed = items.enum as string[] | undefined;
      if (allowed && !allowed.includes(item)) {
        return `'${item}' is not a valid value for the parameter '${param.name}'. Allowed values: ${allowed.join(', ')}`;
      }
    }
    return undefined;
  }
  if (schema.type === 'integer') {
    if (!/^\d+$/.test(value) || Number(value) < 1)
      return `'${value}' is not a valid value for the parameter '${param.name}': a positive integer is required`;
    if (param.name === 'limit' && Number(value) > LIMIT_MAX)
      return `The parameter 'limit' exceeds the maximum allowed value of ${LIMIT_MAX}`;
    return undefined;
  }
  if (schema.type === 'boolean' && value !== 'true' && value !== 'false')
    return `'${value}' is not a valid value for the parameter '${param.name}': true or false`;
  return undefined;
}

/** Checks a request body against the operation's schema, and rejects members the schema does not declare, as Apple does. */
export function checkBody(op: Operation, body: unknown): ApiError | undefined {
  if (!op.bodyRef) return undefined;
  const v = validator(op.bodyRef);
  if (!v(body)) return bodyError(v.errors ?? []);
  const unknown = undeclaredMembers({ $ref: op.bodyRef }, body, '');
  if (unknown[0]) {
    const [pointer, name] = unknown[0];
    return new ApiError(
      400,
      'ENTITY_ERROR.ATTRIBUTE.UNKNOWN',
      'The provided entity includes an unknown attribute',
      `'${name}' is not a valid field for ${pointer || 'the request'}`,
      {
        pointer: `${pointer}/${name}`,
      },
    );
  }
  return undefined;
}

function bodyError(errors: ErrorObject[]): ApiError {
  const e = errors[0]!;
  const pointer = e.instancePath;
  const inRelationships = pointer.includes('/relationships');
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    const code = inRelationships
      ? 'ENTITY_ERROR.RELATIONSHIP.REQUIRED'
      : pointer.includes('/attributes')
        ? 'ENTITY_ERROR.ATTRIBUTE.REQUIRED'
        : 'ENTITY_ERROR';
    return new ApiError(
      400,
      code,
      'The provided entity is missing a required field',
      `You must provide a value for '${missing}' at '${pointer || '/'}' with this request`,
      {
        pointer: `${pointer}/${missing}`,
      },
    );
  }
  const detail = errors
    .map(
      (x) =>
        `${x.instancePath || '/'} ${x.message ?? ''}${x.keyword === 'enum' ? ` (${(x.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : ''}`,
    )
    .join('; ');
  const code = inRelationships
    ? 'ENTITY_ERROR.RELATIONSHIP.INVALID'
    : pointer.includes('/attributes')
      ? 'ENTITY_ERROR.ATTRIBUTE.INVALID'
      : 'ENTITY_ERROR';
  return new ApiError(400, code, 'The provided entity is invalid', detail, { pointer: pointer || '/' });
}

/** Checks a JSON response the fake sends; returns problems. */
export function checkResponse(op: Operation, body: unknown): string[] {
  if (!op.responseRef) return [];
  const v = validator(op.responseRef);
  const problems: string[] = [];
  // An empty to-one relationship is `{ data: null, links }` in JSON:API and at Apple; the schemas do not say so.
  if ((body as { data?: unknown }).data === null)
    return typeof (body as { links?: { self?: unknown } }).links?.self === 'string' ? [] : ['/links/self is missing'];
  const present = withoutNullMembers(body);
  if (!v(present)) for (const e of v.errors ?? []) problems.push(`${e.instancePath || '/'} ${e.message ?? e.keyword}`);
  for (const [pointer, name] of undeclaredMembers({ $ref: op.responseRef }, present, ''))
    problems.push(`${pointer}/${name} is not declared by ${op.responseRef}`);
  return problems;
}

/** A copy without null object members: Apple sends null for unset values that its schemas type without `nullable`. */
function withoutNullMembers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNullMembers);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNullMembers(v);
  return out;
}

function deref(schema: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 20 && typeof s.$ref === 'string'; i++) {
    const name = s.$ref.replace('#/components/schemas/', '');
    s = loadSpec().doc.components.schemas[name] ?? {};
  }
  return s;
}

/** Members of objects that the schema does not declare (the document never sets additionalProperties: false). */
function undeclaredMembers(schemaIn: Schema, value: unknown, pointer: string): Array<[string, string]> {
  if (value === null || typeof value !== 'object') return [];
  const schema = deref(schemaIn);
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alternatives) {
    const type = (value as { type?: unknown }).type;
    // Choose the branch whose `type` enum names this resource, else the first object branch.
    const branch =
      alternatives
        .map(deref)
        .find((b) => ((b.properties as Record<string, Schema> | undefined)?.type?.enum as unknown[] | undefined)?.includes(type)) ??
      alternatives.map(deref).find((b) => b.type === 'object' || b.properties);
    return branch ? undeclaredMembers(branch, value, pointer) : [];
  }
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    return items ? value.flatMap((item, i) => undeclaredMembers(items, item, `${pointer}/${i}`)) : [];
  }
  const props = schema.properties as Record<string, Schema> | undefined;
  if (!props || schema.additionalProperties) return [];
  const out: Array<[string, string]> = [];
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const childSchema = props[key];
    if (!childSchema) out.push([pointer, key]);
    else out.push(...undeclaredMembers(childSchema, child, `${pointer}/${key}`));
  }
  return out;
}
