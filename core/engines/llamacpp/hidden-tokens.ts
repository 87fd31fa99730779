import type { LlamaModel } from "node-llama-cpp";

/**
 * Special tokens whose text llama.cpp's grammar reads but the generated text never shows: the
 * grammar matches a token by its piece with special tokens rendered (`<|im_start|>`, 12 characters),
 * while the completion's text is detokenized without them (""). Inside a JSON string such a token
 * counted towards `minLength` and then vanished, so `{"type":"string","minLength":800}` came out a
 * few characters short. End-of-generation tokens are left alone (the grammar admits them only once
 * it is complete); user-defined tokens such as `<think>` show their text and are left alone too.
 */
export function hiddenTextTokens(model: LlamaModel): number[] {
  const out: number[] = [];
  for (const token of model.iterateAllTokens()) {
    if (!model.isSpecialToken(token) || model.isEogToken(token)) continue;
    if (model.detokenize([token], true) !== model.detokenize([token], false)) out.push(token);
  }
  return out;
}
