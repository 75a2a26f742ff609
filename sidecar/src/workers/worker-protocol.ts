import type { SidecarConfigInput } from '../config/types.js';

/** Messages between the primary and its sidecar workers (cluster IPC). */
export type ToWorker =
  | { t: 'render'; id: number }
  | { t: 'scraped'; id: number; text: string }
  | { t: 'close' };

export type ToPrimary =
  | { t: 'ready'; url: string; port: number }
  | { t: 'scrape'; id: number }
  | { t: 'rendered'; id: number; text: string }
  | { t: 'failed'; message: string };

/** The environment variable carrying a worker's configuration (the primary's input, minus `workers`). */
export const WORKER_INPUT_ENV = 'MODELWATCH_WORKER_INPUT';

export function workerInput(input: SidecarConfigInput): SidecarConfigInput {
  const { workers: _workers, ...rest } = input;
  return rest;
}
