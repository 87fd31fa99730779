/**
 * The translator's one error: a constraint it refuses. It carries the service error code it stands
 * for (`schema_unsupported` for a feature outside the supported subset, `invalid_request` for a
 * constraint that is malformed in itself) so that an engine maps it to its error envelope without
 * reading the message; this module itself stays free of the service's error types.
 */
export type GrammarErrorCode = "schema_unsupported" | "invalid_request";

export class GrammarError extends Error {
  readonly code: GrammarErrorCode;
  readonly param: string;

  constructor(code: GrammarErrorCode, message: string, param: string) {
    super(message);
    this.name = "GrammarError";
    this.code = code;
    this.param = param;
  }
}

export const isGrammarError = (err: unknown): err is GrammarError => err instanceof GrammarError;
