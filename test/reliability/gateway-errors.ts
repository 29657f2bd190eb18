import { vi } from "vitest";

/**
 * Records (and still prints) everything logged with console.error while a test runs: the
 * gateway logs there only when something failed inside it, which bad input or clients
 * coming and going must never cause. Undone by `vi.restoreAllMocks()`.
 */
export function recordGatewayErrors(): string[] {
  const errors: string[] = [];
  const error = console.error.bind(console);
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    errors.push(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(" "));
    error(...args);
  });
  return errors;
}
