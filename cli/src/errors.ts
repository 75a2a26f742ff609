import { CliErrors, ModelwatchError } from '@modelwatch/core';

/**
 * A wrong command line (exit code 2, usage printed). A catalogue error (MW_ERR_CLI_USAGE), so
 * the CLI reports it with the same code scheme as the servers.
 */
export class UsageError extends ModelwatchError {
  override readonly name: string = 'UsageError';
  constructor(detail: string) {
    super(CliErrors.usage, { detail });
  }
}

/** True for a usage error of ours or of node's parseArgs (unknown flag, missing value). */
export function isUsageError(e: unknown): boolean {
  return e instanceof UsageError || Boolean((e as { code?: string } | null)?.code?.startsWith('ERR_PARSE_ARGS'));
}
