/**
 * Bounds on the work one media item may cost on the request path. Items past a bound yield
 * `null` features (counted as missing by the metrics layer) rather than unbounded CPU or memory.
 */
export interface ExtractorLimits {
  /** Encoded bytes (after base64 decoding) of one image or audio file. */
  maxBytes: number;
  /** Decoded pixels of one image (PNG inflate output is capped from this). */
  maxPixels: number;
  /** Samples read for an RMS (duration still comes from the header or the full length). */
  maxSamples: number;
}

export const DEFAULT_LIMITS: ExtractorLimits = {
  maxBytes: 8 * 1024 * 1024,
  maxPixels: 4_000_000,
  maxSamples: 2_000_000,
};
