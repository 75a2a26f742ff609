import { describe, expect, it } from 'vitest';
import { BUILTIN_REDACTIONS, compileRedactions, DEFAULT_REDACTIONS, redact } from '../../src/predictions/redaction.js';

const rules = compileRedactions([...DEFAULT_REDACTIONS]);

describe('redaction of free text', () => {
  it.each([
    ['Please reply to jane.doe+billing@example.co.uk asap', 'Please reply to [email] asap'],
    ['contact: J.Smith@mail.example.org.', 'contact: [email].'],
    ['my card is 4111 1111 1111 1111, exp 12/27', 'my card is [card], exp 12/27'],
    ['card 5500-0000-0000-0004 declined', 'card [card] declined'],
    ['amex 378282246310005 ok', 'amex [card] ok'],
    ['call me on +1 (555) 123-4567 tomorrow', 'call me on [phone] tomorrow'],
    ['UK office +44 20 7946 0958', 'UK office [phone]'],
    ['ring 555-123-4567 or 555.123.4567', 'ring [phone] or [phone]'],
    ['Paris: 06 12 34 56 78', 'Paris: [phone]'],
  ])('redacts %j', (text, expected) => {
    expect(redact(text, rules)).toBe(expected);
  });

  it.each([
    'order 1234567890123 shipped', // 13 digits failing Luhn: an order number, not a card
    'meeting on 2026-11-29 at 10:30',
    'temperature 23.5 and wind 4.7',
    'invoice total 1234.5678 EUR',
    'version 1.2.3 released',
    'no personal data here at all',
  ])('leaves %j as it is', (text) => {
    expect(redact(text, rules)).toBe(text);
  });

  it('applies custom rules after the built-ins, by name', () => {
    const custom = compileRedactions(['email', { name: 'iban', pattern: '\\bDE\\d{2}(?: ?\\d{4}){4} ?\\d{2}\\b' }]);
    expect(redact('pay DE89 3704 0044 0532 0130 00 from a@b.io', custom)).toBe('pay [iban] from [email]');
  });

  it('refuses bad custom rules at startup with the rule named', () => {
    expect(() => compileRedactions([{ name: 'x', pattern: '(' }])).toThrow(/redaction "x"/);
    expect(() => compileRedactions([{ name: 'empty', pattern: 'a*' }])).toThrow(/empty string/);
    expect(() => compileRedactions(['ssn'])).toThrow(/unknown built-in redaction "ssn"/);
    expect(Object.keys(BUILTIN_REDACTIONS).sort()).toEqual(['card', 'email', 'phone']);
  });
});
