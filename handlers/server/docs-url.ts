/**
 * The document URL the /docs page hands to its script. The client's `api_key` ends up inside a
 * JavaScript string literal there, so every character that could end the literal or the script
 * (quotes, parentheses, `<`, backslash, ...) must arrive percent-encoded: encodeURIComponent
 * leaves ' ( ) * ! ~ as they are, so those are encoded by hand.
 */
export function docsDocumentUrl(apiKey: string | undefined): string {
  if (!apiKey) return "/openapi.json";
  const encoded = encodeURIComponent(apiKey).replace(
    /['()*!~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
  return `/openapi.json?api_key=${encoded}`;
}
