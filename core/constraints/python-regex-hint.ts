/**
 * A hint for a regex written in Python's `re` dialect: names the construct and gives the JavaScript
 * spelling the check here (and vLLM's own regex grammar) understands.
 */
const HINTS: [RegExp, (m: RegExpExecArray) => string][] = [
  [
    /\(\?P<([A-Za-z_]\w*)>/,
    (m) => `Python's named group (?P<${m[1]}>…) is written (?<${m[1]}>…) in JavaScript`,
  ],
  [
    /\(\?P=([A-Za-z_]\w*)\)/,
    (m) => `Python's backreference (?P=${m[1]}) is written \\k<${m[1]}> in JavaScript`,
  ],
  [
    /\(\?[aiLmsux]+\)/,
    (m) =>
      `inline flags such as ${m[0]} are Python syntax; spell the variants out (e.g. [Aa] for a, either case)`,
  ],
  [/\\A/, () => "Python's \\A is written ^ in JavaScript"],
  [/\\[Zz]/, () => "Python's \\Z is written $ in JavaScript"],
  [/[*+?}]\+/, () => "possessive quantifiers (*+, ++, ?+) are not JavaScript syntax; drop the second +"],
];

export function pythonRegexHint(pattern: string): string | undefined {
  for (const [re, hint] of HINTS) {
    const m = re.exec(pattern);
    if (m) return hint(m);
  }
  return undefined;
}
