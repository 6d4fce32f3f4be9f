import type { FieldProblem } from '../errors/app-error.js';

/** Keys that reach an object's prototype when assigned: refused in API bodies. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** How deep a JSON body may nest; real bodies of this API are two or three levels deep. */
export const MAX_JSON_DEPTH = 32;

/** A map without inherited members: `toString` or `__proto__` are ordinary keys in it. */
export function bareMap<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** True for a JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/**
 * The first problem with a parsed JSON body: nesting deeper than `maxDepth`, or a
 * key that would reach a prototype (unless `forbidKeys` is off: a postback's
 * parameters are read into bare maps, where such keys are ordinary). Walks without recursion, so no body can
 * overflow the stack, and stops at the first problem.
 */
export function jsonShapeProblem(value: unknown, { maxDepth = MAX_JSON_DEPTH, forbidKeys = true } = {}): FieldProblem | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: 'body', depth: 1 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth > maxDepth) return { field: 'body', message: `body is nested deeper than ${maxDepth} levels` };
    for (const [key, child] of Object.entries(item.value)) {
      const path = Array.isArray(item.value) ? `${item.path}[${key}]` : `${item.path}.${key}`;
      if (forbidKeys && !Array.isArray(item.value) && FORBIDDEN_KEYS.has(key)) {
        return { field: path, message: `${path}: the key "${key}" is not allowed` };
      }
      stack.push({ value: child, path, depth: item.depth + 1 });
    }
  }
  return null;
}

/** JSON text of a value, with anything nested deeper than `maxDepth` cut to "…" and the text to `maxLength`. */
export function boundedJson(value: unknown, maxDepth = 8, maxLength = 2000): string {
  const cut = (v: unknown, depth: number): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    if (depth >= maxDepth) return '…';
    if (Array.isArray(v)) return v.slice(0, 100).map((x) => cut(x, depth + 1));
    const out = bareMap<unknown>();
    for (const [k, x] of Object.entries(v).slice(0, 100)) out[k] = cut(x, depth + 1);
    return out;
  };
  // JSON.stringify answers undefined for undefined, a function or a symbol.
  const text = (JSON.stringify(cut(value, 0)) as string | undefined) ?? String(value);
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}
