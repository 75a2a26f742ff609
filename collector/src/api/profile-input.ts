import { BaselineFormatError, parseBaselineProfile, type BaselineProfile } from '@modelwatch/core';
import type { Validation } from '../windows/push-validate.js';

/** Media types accepted on baseline upload. */
export const PROFILE_TYPE = 'application/json';
export const RAW_TYPES = ['text/csv', 'application/x-ndjson', 'application/vnd.apache.parquet'] as const;
export type RawType = (typeof RAW_TYPES)[number];

/**
 * Checks an uploaded profile with core's validator (the only reader of the format), then what the
 * collector adds: the profile belongs to the model in the URL and has something to compare.
 * A `version` in the body is dropped: the store assigns versions.
 */
export function checkProfile(raw: unknown, model: string): Validation<BaselineProfile> {
  let profile: BaselineProfile;
  try {
    profile = parseBaselineProfile(raw);
  } catch (err) {
    if (err instanceof BaselineFormatError) return { ok: false, error: err.message };
    throw err;
  }
  if (profile.model !== model) return { ok: false, error: `profile model "${profile.model}" does not match the URL's model "${model}"` };
  if (profile.features.length === 0 && profile.outputs.length === 0) return { ok: false, error: 'the profile has no features and no outputs' };
  const { version: _assignedByStore, ...rest } = profile;
  return { ok: true, value: rest };
}
