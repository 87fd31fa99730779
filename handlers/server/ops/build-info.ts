/**
 * The running build for deliberate_build_info: the package version, and the revision the image was
 * built from (the Dockerfile sets DELIBERATE_REVISION from its IMAGE_REVISION build argument).
 */
import pkg from "../../../package.json" with { type: "json" };

export function buildInfo(env: NodeJS.ProcessEnv = process.env): { version: string; revision: string } {
  return {
    version: env.DELIBERATE_VERSION?.trim() || pkg.version,
    revision: env.DELIBERATE_REVISION?.trim() || "unknown",
  };
}
