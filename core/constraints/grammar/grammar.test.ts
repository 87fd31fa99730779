import { describe, expect, it } from "vitest";
import type { DeliberateError } from "../../errors.js";
import { GRAMMAR_BOUNDS, readGrammar } from "./index.js";

function refusal(text: string): DeliberateError {
  try {
    readGrammar(text);
  } catch (err) {
    return err as DeliberateError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

const JSON_GBNF = String.raw`root   ::= object
value  ::= object | array | string | number | ("true" | "false" | "null") ws
object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
array  ::= "[" ws ( value ("," ws value)* )? "]" ws
string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" (["\\bfnrt] | "u" [0-9a-fA-F]{4}) )* "\"" ws
number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws
# optional space
ws ::= | " " | "\n" [ \t]{0,20}`;

describe("readGrammar: what it accepts", () => {
  it("reads llama.cpp's JSON grammar, comments, multi-line alternatives and every repeat form", () => {
    expect(readGrammar(JSON_GBNF).rules.size).toBe(7);
    const g = readGrammar(
      'root ::= "a"{2} "b"{1,} "c"{,3} "d"{0,2} .\n  | x+ x* x?\nx ::= [^\\]\\-a-z\\u00e9]',
    );
    expect([...g.rules.keys()]).toEqual(["root", "x"]);
  });

  it("reads xgrammar's EBNF, including a lookahead assertion after the body", () => {
    expect(readGrammar('root ::= item+\nitem ::= "a" | "b" (= "a" | "b" | "")').rules.size).toBe(2);
  });

  it("accepts right recursion that can finish", () => {
    expect(() => readGrammar('root ::= "a" root | "b"')).not.toThrow();
  });
});

describe("readGrammar: what it refuses, as schema_unsupported naming the rule and position", () => {
  it("reversed repeat bounds", () => {
    const err = refusal('root ::= "a"{1,0}');
    expect(err.code).toBe("schema_unsupported");
    expect(err.param).toBe("structured_outputs.grammar");
    expect(err.message).toContain("maximum below its minimum");
    expect(err.message).toContain('rule "root", line 1, column 13');
  });

  it("repeat counts above the bound", () => {
    expect(refusal('root ::= "a"{0,5000}').message).toContain(`limit of ${GRAMMAR_BOUNDS.maxRepeat}`);
  });

  it("undefined rules, and a missing root", () => {
    expect(refusal('root ::= "a" item\n').message).toContain(
      'rule "item" is not defined (rule "root", line 1, column 14)',
    );
    expect(refusal('start ::= "a"').message).toContain('no rule named "root"');
  });

  it("direct left recursion", () => {
    expect(refusal('root ::= root "a" | "b"').message).toMatch(
      /left recursion.*rule "root", line 1, column 10/,
    );
  });

  it("left recursion hidden behind rules that derive the empty string", () => {
    const err = refusal('root ::= e root "a" | "b"\ne ::= f\nf ::= ""');
    expect(err.message).toContain("left recursion");
    expect(err.message).toContain('rule "root", line 1, column 12');
    const viaRepeat = refusal('root ::= a\na ::= [x]* b "y" | "z"\nb ::= a "w"');
    expect(viaRepeat.message).toContain("left recursion");
    expect(viaRepeat.message).toContain("through");
  });

  it("rules that can never finish, and unbounded repeats of something empty", () => {
    expect(refusal('root ::= "a" root').message).toContain("never finish");
    expect(refusal('root ::= ("a"*)*').message).toContain("empty string");
  });

  it("20,000 nested parentheses, without deep recursion", () => {
    const text = `root ::= ${"(".repeat(20_000)}"a"${")".repeat(20_000)}`;
    const started = performance.now();
    const err = refusal(text);
    expect(performance.now() - started).toBeLessThan(500);
    expect(err.message).toContain(`nested deeper than ${GRAMMAR_BOUNDS.maxDepth} levels`);
  });

  it("nested repeats whose written-out size multiplies past the budget", () => {
    expect(refusal('root ::= ((("a"{100}){100}){100})').message).toContain("exceed 100000 elements");
  });

  it("too many rules, duplicate rules, syntax errors with a position", () => {
    const many = Array.from({ length: GRAMMAR_BOUNDS.maxRules + 1 }, (_, i) => `r${i} ::= "x"`).join("\n");
    expect(refusal(`root ::= "a"\n${many}`).message).toContain("more than 1024 rules");
    expect(refusal('root ::= "a"\nroot ::= "b"').message).toContain("defined twice");
    expect(refusal('root ::= "a').message).toContain("unterminated string literal");
    expect(refusal("root ::= [z-a]").message).toContain("reversed");
    expect(refusal('root ::= ("a"').message).toContain('expected ")"');
    expect(refusal('root ::= "a")').message).toContain('unbalanced ")"');
    expect(refusal('root ::= "\\q"').message).toContain("unknown escape");
  });

  it("Lark grammars, with a message that says so", () => {
    expect(refusal('start: "a" | "b"\n').message).toContain("Lark");
  });
});
