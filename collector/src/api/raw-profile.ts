import type { BaselineProfile } from '@modelwatch/core';
import { HttpError } from './http-error.js';
import type { RawType } from './profile-input.js';

export async function profileRawData(_body: Buffer, type: RawType, _model: string): Promise<BaselineProfile> {
  throw new HttpError(415, `raw ${type} uploads are not available in this revision`);
}
