/** The environment that points the real AWS SDK at the KMS stand-in, and nowhere else. */
export function kmsEnvironment(endpoint: string): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_KMS: endpoint,
    AWS_ACCESS_KEY_ID: 'AKIASTANDINTEST00000',
    AWS_SECRET_ACCESS_KEY: 'stand-in-secret-access-key-not-a-real-one',
    // No shared config, profile or instance metadata may take part.
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
