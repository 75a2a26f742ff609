/**
 * Regex redaction of free text before a record leaves the sidecar. Built-in rules cover e-mail
 * addresses, payment card numbers (Luhn-checked, so order numbers survive) and phone numbers;
 * operators add their own `{name, pattern}` rules. Patterns are compiled once at startup.
 */
export interface RedactionRule {
  /** Shown in place of the match: `[email]`. */
  name: string;
  pattern: RegExp;
  /** Optional second check on a match (e.g. Luhn); false keeps the text. */
  accept?: (match: string) => boolean;
}

export interface CustomRedaction {
  name: string;
  pattern: string;
  flags?: string;
}

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const digitsOf = (s: string) => s.replace(/\D/g, '');

/** ISO dates and times look like phone numbers to a digit pattern; they are not personal data. */
const DATE_LIKE = /^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}$|^\d{1,2}:\d{2}(:\d{2})?$/;

export const BUILTIN_REDACTIONS: Readonly<Record<'email' | 'card' | 'phone', RedactionRule>> = {
  email: { name: 'email', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  card: {
    name: 'card',
    pattern: /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g,
    accept: (m) => {
      const d = digitsOf(m);
      return d.length >= 13 && d.length <= 19 && luhn(d);
    },
  },
  phone: {
    name: 'phone',
    pattern: /(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,5}(?![\w])/g,
    // Digit runs are everywhere (ids, amounts, dates): a phone needs 7-15 digits and the shape of
    // one (a leading +, an area code in brackets, or at least two separators, or 555-1234).
    accept: (m) => {
      const t = m.trim();
      const d = digitsOf(t);
      if (d.length < 7 || d.length > 15 || DATE_LIKE.test(t)) return false;
      return t.startsWith('+') || t.includes('(') || (t.match(/[ .-]/g)?.length ?? 0) >= 2 || /^\d{3}-\d{4}$/.test(t);
    },
  },
};

/** Builds the rule list: built-in names and custom patterns, in the order given (cards before phones by default). */
export function compileRedactions(spec: readonly (string | CustomRedaction)[]): RedactionRule[] {
  return spec.map((s) => {
    if (typeof s === 'string') {
      const rule = (BUILTIN_REDACTIONS as Record<string, RedactionRule>)[s];
      if (!rule) throw new Error(`unknown built-in redaction "${s}"; use ${Object.keys(BUILTIN_REDACTIONS).join(', ')} or {name, pattern}`);
      return rule;
    }
    if (typeof s.name !== 'string' || !/^[a-z][a-z0-9_]{0,31}$/.test(s.name)) throw new Error(`redaction name ${JSON.stringify(s.name)} must be a short lowercase identifier`);
    const flags = s.flags ?? 'g';
    if (!/^[gimsuy]*$/.test(flags)) throw new Error(`redaction "${s.name}": flags ${JSON.stringify(flags)} may only use g i m s u y`);
    let pattern: RegExp;
    try {
      pattern = new RegExp(s.pattern, flags.includes('g') ? flags : `${flags}g`);
    } catch (err) {
      throw new Error(`redaction "${s.name}": ${(err as Error).message}`);
    }
    if (pattern.test('')) throw new Error(`redaction "${s.name}": the pattern matches the empty string`);
    return { name: s.name, pattern };
  });
}

export const DEFAULT_REDACTIONS = ['email', 'card', 'phone'] as const;

/** Applies every rule in order; a match is replaced by `[name]`. */
export function redact(text: string, rules: readonly RedactionRule[]): string {
  let out = text;
  for (const rule of rules) {
    rule.pattern.lastIndex = 0;
    out = out.replace(rule.pattern, (m) => (rule.accept === undefined || rule.accept(m) ? `[${rule.name}]` : m));
  }
  return out;
}
