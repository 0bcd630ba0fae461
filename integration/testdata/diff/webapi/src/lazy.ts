// Loaded with import() by index.ts: a module the bundle holds, evaluated
// on first use.
export const loadedAt = "first import";
export function shout(s: string): string {
  return s.toUpperCase() + "!";
}
