import type { RawParams } from '../../shared/domain/entities.js';
import { bareMap } from '../../shared/validation/safe-object.js';

/** Parameter names whose values are secrets, whatever the network calls them. */
const SECRET_KEY = /token|secret|passw|api_?key|signature/i;
const REDACTED = '[redacted]';
// `token=v`, `"token": "v"`, `'api_key':v` in text we could not parse as parameters.
const SECRET_PAIR = /((?:^|[^\w-])["']?[\w-]*(?:token|secret|passw|api_?key|signature)[\w-]*["']?\s*[:=]\s*["']?)([^"'&\s,;}<>]+)/gi;
// `<token>v</token>` in XML bodies.
const SECRET_ELEMENT = /(<([\w:-]*(?:token|secret|passw|api_?key|signature)[\w:-]*)(?:\s[^>]*)?>)([^<]*)/gi;

/**
 * Takes secrets out of everything the receiver keeps of a postback (specification §10): by
 * name (any parameter that looks like a token) and by value (every offer source's
 * token, wherever it appears, in any parameter or in a raw body).
 */
export interface Redactor {
  params(raw: RawParams): RawParams;
  text(text: string): string;
}

/** `secrets` lists the tokens to find by value; it is read on each call, so it follows refreshes. */
export function createRedactor(secrets: () => readonly string[]): Redactor {
  const byValue = (text: string): string => {
    let out = text;
    for (const secret of secrets()) {
      if (!out.includes(secret) && !out.includes(encodeURIComponent(secret))) continue;
      out = out.split(secret).join(REDACTED).split(encodeURIComponent(secret)).join(REDACTED);
    }
    return out;
  };
  const text = (input: string): string => byValue(input.replace(SECRET_PAIR, `$1${REDACTED}`).replace(SECRET_ELEMENT, `$1${REDACTED}`));
  return {
    params(raw) {
      const out = bareMap<string | string[]>();
      for (const [key, value] of Object.entries(raw)) {
        if (SECRET_KEY.test(key)) out[key] = Array.isArray(value) ? value.map(() => REDACTED) : REDACTED;
        else if (key === 'body') out[key] = Array.isArray(value) ? value.map(text) : text(value);
        else out[key] = Array.isArray(value) ? value.map(byValue) : byValue(value);
      }
      return out;
    },
    text,
  };
}
