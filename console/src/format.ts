/** Epoch seconds (UTC) as a local date and time, to the second. */
export function when(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "–";
  return new Date(seconds * 1000).toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

/** A JSON value as one short line. */
export function shown(value: unknown): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

export function count(n: number): string {
  return n.toLocaleString("en-US");
}

export function weight(w: number): string {
  return w.toFixed(3);
}
