// What OpenAI's Structured Outputs refuse in strict mode, for the scripted
// model server: a strict text.format it would refuse is answered with
// OpenAI's 400, so a test sees what a real deployment would. The rules and
// limits are those of OpenAI's guide ("Supported schemas",
// https://platform.openai.com/docs/guides/structured-outputs#supported-schemas),
// written independently of the proxy's own check (json_schema_strict.cpp).
'use strict';

const PERMITTED = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const',
  'anyOf', '$ref', '$defs', 'definitions', 'description', 'title', 'pattern', 'format', 'minLength', 'maxLength', 'minimum', 'maximum',
  'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minItems', 'maxItems', '$schema']);
const FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid']);
const LIMITS = { properties: 5000, nesting: 10, enumValues: 1000, chars: 120000, largeEnum: 250, largeEnumChars: 15000 };

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const pointer = (path) => '#' + path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');

class Refusal extends Error {}

// Returns null when strict mode accepts schema, else why (place and keyword).
function strictSchemaProblem(schema) {
  const totals = { properties: 0, enumValues: 0, chars: 0 };
  const refuse = (path, what) => { throw new Refusal(`${pointer(path)}: ${what}`); };
  const chars = (path, s) => {
    totals.chars += s.length;
    if (totals.chars > LIMITS.chars) refuse(path, `more than ${LIMITS.chars} characters of property names, definition names and enum values in all`);
  };
  const hasType = (t, name) => t === name || (Array.isArray(t) && t.includes(name));

  function node(s, path, nesting) {
    if (!isObject(s)) refuse(path, 'a schema must be an object (boolean schemas are not permitted)');
    for (const k of Object.keys(s)) if (!PERMITTED.has(k)) refuse([...path, k], `'${k}' is not permitted`);
    if (!('type' in s) && !('$ref' in s) && !('anyOf' in s) && !('enum' in s) && !('const' in s)) refuse(path, "schema must have a 'type' key");
    if ('format' in s && !FORMATS.has(s.format)) refuse(path, "'format' must be one of the supported formats");
    if (typeof s.const === 'string') chars(path, s.const);
    if ('enum' in s) {
      if (!Array.isArray(s.enum)) refuse(path, "'enum' must be an array");
      let n = 0;
      for (const e of s.enum) if (typeof e === 'string') { n += e.length; chars(path, e); }
      totals.enumValues += s.enum.length;
      if (totals.enumValues > LIMITS.enumValues) refuse(path, `more than ${LIMITS.enumValues} enum values in all`);
      if (s.enum.length > LIMITS.largeEnum && n > LIMITS.largeEnumChars) {
        refuse(path, `an enum of more than ${LIMITS.largeEnum} values has more than ${LIMITS.largeEnumChars} characters`);
      }
    }
    for (const k of ['$defs', 'definitions']) {
      if (!(k in s)) continue;
      if (!isObject(s[k])) refuse([...path, k], 'must be an object of schemas');
      for (const [name, d] of Object.entries(s[k])) { chars([...path, k, name], name); node(d, [...path, k, name], 0); }
    }
    if (hasType(s.type, 'object') || 'properties' in s) objectRules(s, path, nesting + 1);
    if ('items' in s) node(s.items, [...path, 'items'], nesting);
    if ('anyOf' in s) {
      if (!Array.isArray(s.anyOf) || s.anyOf.length === 0) refuse([...path, 'anyOf'], "'anyOf' must be a non-empty array of schemas");
      s.anyOf.forEach((e, i) => node(e, [...path, 'anyOf', i], nesting));
    }
  }

  function objectRules(s, path, nesting) {
    if (nesting > LIMITS.nesting) refuse(path, `${nesting} levels of nesting exceed the limit of ${LIMITS.nesting}`);
    if (s.additionalProperties !== false) refuse(path, "'additionalProperties' is required to be supplied and to be false");
    const props = s.properties ?? {};
    if (!isObject(props)) refuse(path, "'properties' must be an object");
    const req = s.required ?? [];
    if (!Array.isArray(req)) refuse(path, "'required' must be an array");
    if (req.some((r) => typeof r !== 'string')) refuse(path, "'required' must hold strings");
    const names = Object.keys(props);
    for (const n of names) {
      if (!req.includes(n)) refuse(path, `'required' is required to be supplied and to be an array including every key in properties. Missing '${n}'`);
    }
    for (const r of req) if (!(r in props)) refuse(path, `Extra required key '${r}' supplied`);
    totals.properties += names.length;
    if (totals.properties > LIMITS.properties) refuse(path, `more than ${LIMITS.properties} object properties in all`);
    for (const n of names) { chars([...path, 'properties', n], n); node(props[n], [...path, 'properties', n], nesting); }
  }

  try {
    if (!isObject(schema) || schema.type !== 'object') refuse([], "the root must be a schema of type 'object'");
    if ('anyOf' in schema) refuse([], "the root must not be 'anyOf'");
    node(schema, [], 0);
    return null;
  } catch (e) {
    if (e instanceof Refusal) return e.message;
    throw e;
  }
}

// OpenAI's 400 for a Responses request whose strict text.format it refuses, or null.
function refuseStrictFormat(body) {
  const f = body?.text?.format;
  if (!f || f.type !== 'json_schema' || f.strict !== true) return null;
  const why = strictSchemaProblem(f.schema);
  if (!why) return null;
  return {
    error: {
      message: `Invalid schema for response_format '${f.name}': ${why}.`,
      type: 'invalid_request_error', param: 'text.format.schema', code: 'invalid_json_schema',
    },
  };
}

module.exports = { strictSchemaProblem, refuseStrictFormat };
