/**
 * Model names become the `model` label of every drift series and a path segment, so they are
 * restricted to a Prometheus-friendly, bounded alphabet. Versions are the store's integers.
 */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
export const VERSION = /^[1-9][0-9]{0,9}$/;

export function isModelName(text: string): boolean {
  return MODEL_NAME.test(text);
}

export function isVersion(text: string): boolean {
  return VERSION.test(text);
}
