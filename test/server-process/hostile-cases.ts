/**
 * Hostile and careless constraints, each as the raw JSON body a client would send (raw, so that
 * `1e999` and lone `\ud800` escapes reach the server exactly as written). Every one must be
 * refused with a 4xx envelope; `code` is the one expected.
 */
export interface HostileCase {
  name: string;
  body: string;
  code: "invalid_request" | "schema_unsupported";
}

const request = (structuredOutputs: string) =>
  `{"prompt":"x","thinking_effort":"low","seed":7,"structured_outputs":${structuredOutputs}}`;
const json = (schema: string) => request(`{"json":${schema}}`);
const grammar = (text: string) => request(`{"grammar":${JSON.stringify(text)}}`);
const regex = (text: string) => request(`{"regex":${JSON.stringify(text)}}`);

function nestedOptional(levels: number): string {
  let p = "x?";
  for (let i = 0; i < levels; i++) p = `(${p}){2}`;
  return p;
}

function chainedDefs(levels: number): string {
  const defs: Record<string, unknown> = { l0: { anyOf: [{ type: "string" }, { type: "number" }] } };
  for (let i = 1; i < levels; i++) {
    defs[`l${i}`] = { anyOf: [{ $ref: `#/$defs/l${i - 1}` }, { $ref: `#/$defs/l${i - 1}` }] };
  }
  return JSON.stringify({ $defs: defs, $ref: `#/$defs/l${levels - 1}` });
}

function refChain(length: number): string {
  const defs: Record<string, unknown> = { d0: { type: "string" } };
  for (let i = 1; i < length; i++) defs[`d${i}`] = { $ref: `#/definitions/d${i - 1}` };
  return JSON.stringify({ definitions: defs, $ref: `#/definitions/d${length - 1}` });
}

const deepSchema = (levels: number) =>
  `${'{"type":"object","properties":{"a":'.repeat(levels)}{"type":"string"}${"}}".repeat(levels)}`;

const many = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

export const HOSTILE_CASES: HostileCase[] = [
  // Grammars
  { name: "grammar: reversed repeat bounds", body: grammar('root ::= "a"{1,0}'), code: "schema_unsupported" },
  {
    name: "grammar: left recursion through rules deriving the empty string",
    body: grammar('root ::= e root "a" | "b"\ne ::= f\nf ::= ""'),
    code: "schema_unsupported",
  },
  {
    name: "grammar: direct left recursion",
    body: grammar('root ::= root "a" | "b"'),
    code: "schema_unsupported",
  },
  {
    name: "grammar: mutual left recursion",
    body: grammar('root ::= a\na ::= b "x"\nb ::= a "y" | "z"'),
    code: "schema_unsupported",
  },
  {
    name: "grammar: 20,000 nested parentheses",
    body: grammar(`root ::= ${"(".repeat(20_000)}"a"${")".repeat(20_000)}`),
    code: "schema_unsupported",
  },
  {
    name: "grammar: nested counted repeats",
    body: grammar('root ::= ((("a"{100}){100}){100})'),
    code: "schema_unsupported",
  },
  {
    name: "grammar: repeat count too large",
    body: grammar('root ::= "a"{0,100000}'),
    code: "schema_unsupported",
  },
  { name: "grammar: undefined rule", body: grammar('root ::= "a" missing'), code: "schema_unsupported" },
  {
    name: "grammar: unbounded repeat of the empty string",
    body: grammar('root ::= ("a"*)*'),
    code: "schema_unsupported",
  },
  {
    name: "grammar: rule that never finishes",
    body: grammar('root ::= "a" root'),
    code: "schema_unsupported",
  },
  {
    name: "grammar: 2,000 rules",
    body: grammar(`root ::= r0\n${many(2000, (i) => `r${i} ::= "x"`).join("\n")}`),
    code: "schema_unsupported",
  },
  { name: "grammar: Lark", body: grammar('start: "a" | "b"\n%import common.WS'), code: "schema_unsupported" },
  {
    name: "grammar: lone surrogate",
    body: request('{"grammar":"root ::= \\"\\ud800\\""}'),
    code: "invalid_request",
  },
  // Regexes
  {
    name: "regex: nested optional counted repeats (74 bytes)",
    body: regex(nestedOptional(14)),
    code: "schema_unsupported",
  },
  {
    name: "regex: 20,000 nested groups",
    body: regex(`${"(".repeat(2000)}a${")".repeat(2000)}`),
    code: "schema_unsupported",
  },
  { name: "regex: a{1000000}", body: regex("a{1000000}"), code: "schema_unsupported" },
  { name: "regex: lone surrogate", body: request('{"regex":"a\\udc00"}'), code: "invalid_request" },
  { name: "regex: Python-only syntax", body: regex("(?P<n>a)\\Z"), code: "invalid_request" },
  // JSON Schemas
  {
    name: "schema: pattern with nested counted repeats",
    body: json(JSON.stringify({ type: "string", pattern: nestedOptional(14) })),
    code: "schema_unsupported",
  },
  {
    name: "schema: patternProperties key with nested counted repeats",
    body: json(JSON.stringify({ type: "object", patternProperties: { "((a{40}){40}){40}": {} } })),
    code: "schema_unsupported",
  },
  {
    name: "schema: 2 KB of chained $defs (2^40 written out)",
    body: json(chainedDefs(40)),
    code: "schema_unsupported",
  },
  { name: "schema: $ref chain of 300", body: json(refChain(300)), code: "schema_unsupported" },
  { name: "schema: const 1e999", body: json('{"const": 1e999}'), code: "invalid_request" },
  { name: "schema: enum with -1e999", body: json('{"enum": [1, -1e999]}'), code: "invalid_request" },
  { name: "schema: maximum 1e400", body: json('{"type":"number","maximum":1e400}'), code: "invalid_request" },
  { name: "schema: nested 5,000 deep (with a seed)", body: json(deepSchema(5000)), code: "invalid_request" },
  { name: "schema: lone surrogate in const", body: json('{"const":"\\ud83d"}'), code: "invalid_request" },
  {
    name: "schema: lone surrogate in a property name",
    body: json('{"properties":{"\\udfff":{"type":"string"}}}'),
    code: "invalid_request",
  },
  { name: "schema: type objct", body: json('{"type":"objct"}'), code: "invalid_request" },
  { name: "schema: minLength -1", body: json('{"type":"string","minLength":-1}'), code: "invalid_request" },
  {
    name: "schema: 60,000 enum values",
    body: json(`{"enum":[${many(60_000, () => "0").join(",")}]}`),
    code: "invalid_request",
  },
  {
    name: "schema: unknown $schema",
    body: json('{"$schema":"http://example.com/mine"}'),
    code: "schema_unsupported",
  },
  // Lowering that used to take seconds to minutes (an independent review): refused by bounds.
  {
    name: "schema: minContains 10,000,000",
    body: json(
      '{"$schema":"https://json-schema.org/draft/2019-09/schema","type":"array","contains":{"type":"integer"},"minContains":10000000}',
    ),
    code: "schema_unsupported",
  },
  {
    name: "schema: oneOf of 60 formats with patterns (pairs proved apart on automata)",
    body: json(
      JSON.stringify({
        type: "string",
        oneOf: many(60, (i) => ({
          format: ["email", "hostname", "uri", "date", "ipv4", "uuid"][i % 6],
          pattern: `${i}`,
        })),
      }),
    ),
    code: "schema_unsupported",
  },
  {
    name: "schema: 200 properties, each a oneOf of two formats",
    body: json(
      JSON.stringify({
        type: "object",
        properties: Object.fromEntries(
          many(200, (i) => [
            `p${i}`,
            {
              type: "string",
              oneOf: [
                { format: "email", pattern: `a${i}` },
                { format: "hostname", pattern: "b" },
              ],
            },
          ]),
        ),
      }),
    ),
    code: "schema_unsupported",
  },
  // Choices
  { name: "choice: lone surrogate", body: request('{"choice":["ok","\\ud800"]}'), code: "invalid_request" },
  {
    name: "choice: 2,000 entries",
    body: request(JSON.stringify({ choice: many(2000, (i) => `c${i}`) })),
    code: "invalid_request",
  },
];
