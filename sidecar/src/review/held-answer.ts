import { REVIEW_HEADER, REVIEW_PARAMETER } from './review-marker.js';

/**
 * The headers and body of a held proxy answer: unchanged when not marked; when marked, the review
 * header, and for OIP `parameters.modelwatch_review` put into the body when the model server sent
 * no `parameters` of its own (never two keys), with Content-Length recomputed.
 */
export function heldAnswer(headers: string[], body: Buffer, marked: boolean, oip: boolean): { headers: string[]; body: Buffer } {
  if (!marked) return { headers, body };
  let out = body;
  if (oip && body.length >= 2 && body[0] === 0x7b && !body.includes('"parameters"')) {
    out = Buffer.concat([Buffer.from(`{"parameters":{"${REVIEW_PARAMETER}":"required"}${body[1] === 0x7d ? '' : ','}`), body.subarray(1)]);
  }
  const h: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (headers[i].toLowerCase() !== 'content-length') h.push(headers[i], headers[i + 1]);
  h.push('content-length', String(out.length), REVIEW_HEADER, 'required');
  return { headers: h, body: out };
}
