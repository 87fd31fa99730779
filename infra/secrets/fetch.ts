/**
 * Reads one secret from AWS Secrets Manager with the SDK's default credentials chain (env keys, profile,
 * web identity, then the ECS task role through AWS_CONTAINER_CREDENTIALS_*), so nothing here is ECS-specific.
 * The endpoint comes from AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL when set (the SDK reads them
 * itself), which is how the tests point it at moto.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SecretsError } from "./parse.js";

/** `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME` carries its region. */
export function regionFromArn(secretId: string): string | undefined {
  const m = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):/.exec(secretId);
  return m?.[1];
}

export function pickRegion(secretId: string, env: Record<string, string | undefined>): string {
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || regionFromArn(secretId);
  if (!region) {
    throw new SecretsError(
      `no AWS region for secret ${secretId}: set AWS_REGION (ECS sets it for you) or use the secret's full ARN`,
    );
  }
  return region;
}

/** Maps SDK failures to messages an operator can act on. Matches the error name, never the HTTP status. */
export function describeAwsError(err: unknown, secretId: string, region: string): SecretsError {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  // A 403 whose body the SDK could not parse (moto answers IAM denials in XML) is still a denial.
  const name =
    e?.$metadata?.httpStatusCode === 403 && e.name === "SyntaxError" ? "AccessDenied" : (e?.name ?? "Error");
  const where = `secret ${secretId} (region ${region})`;
  switch (name) {
    case "ResourceNotFoundException":
      return new SecretsError(`${where} was not found: check ORCH_SECRETS_ID and the region`);
    case "AccessDeniedException":
    case "AccessDenied":
    case "UnrecognizedClientException":
    case "InvalidSignatureException":
      return new SecretsError(
        `access to ${where} was denied (${name}): the task role needs secretsmanager:GetSecretValue on it, ` +
          "and kms:Decrypt when it is encrypted with a customer-managed key",
      );
    case "DecryptionFailure":
      return new SecretsError(
        `${where} could not be decrypted: the task role needs kms:Decrypt on its KMS key`,
      );
    case "CredentialsProviderError":
      return new SecretsError(
        `no AWS credentials to read ${where}: give the task a task role, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`,
      );
    case "InvalidRequestException":
    case "InvalidParameterException":
      return new SecretsError(`${where} cannot be read: ${e.message ?? name}`);
    default:
      return new SecretsError(`reading ${where} failed: ${name}: ${e?.message ?? String(err)}`);
  }
}

export interface FetchOptions {
  env: Record<string, string | undefined>;
  /** For tests: a client built elsewhere. */
  client?: SecretsManagerClient;
}

/** The secret's text: SecretString, or SecretBinary decoded as UTF-8. */
export async function fetchSecretText(secretId: string, opts: FetchOptions): Promise<string> {
  const region = pickRegion(secretId, opts.env);
  const client = opts.client ?? new SecretsManagerClient({ region, maxAttempts: 3 });
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (typeof out.SecretString === "string") return out.SecretString;
    if (out.SecretBinary) return Buffer.from(out.SecretBinary).toString("utf8");
    throw new SecretsError(`secret ${secretId} has no value`);
  } catch (err) {
    if (err instanceof SecretsError) throw err;
    throw describeAwsError(err, secretId, region);
  } finally {
    if (!opts.client) client.destroy();
  }
}
