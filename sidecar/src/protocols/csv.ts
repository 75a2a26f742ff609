import { ErrorReason } from '@modelwatch/core';
import type { Parsed } from './types.js';
import { invalid, ok } from './parsed.js';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A CSV cell as a value: empty → null, numeric text → number, anything else stays text. */
function cell(text: string): string | number | null {
  if (text === '') return null;
  if (NUMBER.test(text)) return Number(text);
  return text;
}

/**
 * RFC 4180 CSV with a header row (MLflow accepts `text/csv` bodies in pandas' format).
 * Returns the header and the data rows; a row whose width differs from the header is an error
 * naming its line.
 */
export function parseCsv(text: string): Parsed<{ header: string[]; rows: (string | number | null)[][] }> {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      record.push(field);
      field = '';
      if (!(record.length === 1 && record[0] === '')) records.push(record);
      record = [];
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else field += c;
    i++;
  }
  if (quoted) return invalid(ErrorReason.malformedJson, 'CSV body has an unterminated quoted field');
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  if (records.length === 0) return invalid(ErrorReason.malformedJson, 'CSV body is empty; expected a header row');
  const header = records[0];
  const rows: (string | number | null)[][] = [];
  for (let r = 1; r < records.length; r++) {
    if (records[r].length !== header.length) {
      return invalid(ErrorReason.wrongShape, `CSV line ${r + 1} has ${records[r].length} fields, the header has ${header.length}`);
    }
    rows.push(records[r].map(cell));
  }
  return ok({ header, rows });
}
