import { describe, expect, it } from "vitest";
import { describeAwsError, pickRegion, regionFromArn } from "./fetch.js";

describe("region", () => {
  const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/config-AbCdEf";
  it.each([
    ["AWS_REGION first", { AWS_REGION: "us-east-2", AWS_DEFAULT_REGION: "us-west-1" }, "app", "us-east-2"],
    ["then AWS_DEFAULT_REGION", { AWS_DEFAULT_REGION: "us-west-1" }, "app", "us-west-1"],
    ["then the ARN's region", {}, arn, "eu-west-1"],
  ])("%s", (_n, env, id, expected) => {
    expect(pickRegion(id, env)).toBe(expected);
  });

  it("fails clearly without one", () => {
    expect(() => pickRegion("app", {})).toThrow(/set AWS_REGION/);
  });

  it("reads GovCloud and China ARNs", () => {
    expect(regionFromArn("arn:aws-us-gov:secretsmanager:us-gov-west-1:1:secret:x")).toBe("us-gov-west-1");
    expect(regionFromArn("app/config")).toBeUndefined();
  });
});

describe("AWS error names", () => {
  const named = (name: string, message = "m") => Object.assign(new Error(message), { name });
  it.each([
    ["ResourceNotFoundException", /was not found: check ORCH_SECRETS_ID/],
    ["AccessDeniedException", /was denied \(AccessDeniedException\).*secretsmanager:GetSecretValue/],
    ["UnrecognizedClientException", /was denied/],
    ["DecryptionFailure", /kms:Decrypt/],
    ["CredentialsProviderError", /no AWS credentials/],
    ["InvalidRequestException", /cannot be read: m/],
    ["ThrottlingException", /failed: ThrottlingException: m/],
  ])("%s", (name, pattern) => {
    const err = describeAwsError(named(name), "app/config", "us-east-1");
    expect(err.message).toMatch(pattern);
    expect(err.message).toContain("app/config");
  });

  it("treats an unparsable 403 as a denial", () => {
    const e = Object.assign(new SyntaxError("Unexpected token '<'"), { $metadata: { httpStatusCode: 403 } });
    expect(describeAwsError(e, "app/config", "us-east-1").message).toMatch(/was denied \(AccessDenied\)/);
  });
});
