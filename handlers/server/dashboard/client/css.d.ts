// esbuild bundles .css imports as text (loader "text" in ../assets.ts and scripts/build.mjs).
declare module "*.css" {
  const text: string;
  export default text;
}
