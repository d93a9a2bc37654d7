/** Reads a secret by environment variable name; only the entry point knows `process.env`. */
export type SecretSource = (envName: string) => string | undefined;
