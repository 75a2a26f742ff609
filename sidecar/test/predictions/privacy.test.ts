import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bucketLabel, PrivacyPolicy } from '../../src/predictions/privacy.js';

const SECRET = 'a-secret-of-sufficient-length';
const row = (o: Record<string, string | number | boolean | null>) => new Map(Object.entries(o));

describe('privacy rules', () => {
  it('keeps, drops, hashes with the secret and bucketises per field', () => {
    const p = new PrivacyPolicy({ secret: SECRET, fields: { email: 'drop', user: 'hash', age: { bucket: [18, 30, 50] }, note: 'keep' } });
    const out = p.inputs(row({ email: 'a@b.io', user: 'u-17', age: 42, note: 'call +1 (555) 123-4567', temp: 3.5 }));
    expect(out).toEqual({
      user: createHmac('sha256', SECRET).update('u-17').digest('hex').slice(0, 32),
      age: '[30,50)',
      note: 'call [phone]',
      temp: 3.5,
    });
    expect('email' in out).toBe(false);
  });

  it('drops every unlisted field when the default rule is drop', () => {
    const p = new PrivacyPolicy({ defaultRule: 'drop', fields: { temp: 'keep' } });
    expect(p.inputs(row({ temp: 1, secret_field: 'x' }))).toEqual({ temp: 1 });
  });

  it('keys the subject by the keyed hash of its field, present or not', () => {
    const p = new PrivacyPolicy({ secret: SECRET, subjectField: 'customer', fields: { customer: 'drop' } });
    expect(p.subjectKey(row({ customer: 'c-9' }))).toBe(createHmac('sha256', SECRET).update('c-9').digest('hex').slice(0, 32));
    expect(p.subjectKey(row({ other: 1 }))).toBeUndefined();
    expect(p.inputs(row({ customer: 'c-9', x: 1 }))).toEqual({ x: 1 });
  });

  it('labels buckets as half-open ranges with open ends', () => {
    expect([5, 18, 29.9, 50, 99].map((v) => bucketLabel(v, [18, 30, 50]))).toEqual(['<18', '[18,30)', '[18,30)', '>=50', '>=50']);
  });

  it('refuses a hash rule without a secret, and bad rules, naming the field', () => {
    expect(() => new PrivacyPolicy({ fields: { user: 'hash' } }, {})).toThrow(/secret/);
    expect(() => new PrivacyPolicy({ fields: { age: { bucket: [3, 1] } } })).toThrow(/fields.age/);
    expect(() => new PrivacyPolicy({ fields: { age: 'blur' as never } })).toThrow(/fields.age/);
    expect(new PrivacyPolicy({ fields: { user: 'hash' } }, { MODELWATCH_PRIVACY_SECRET: SECRET }).hash('x')).toHaveLength(32);
  });
});
