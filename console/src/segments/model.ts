// A segment's condition as the builder edits it, and its JSON definition (docs/segments.md,
// docs/segment.schema.json) both ways. Every node may be negated (`{"not": ...}`); a group is
// `all` or `any` of its children.

export const TRAIT_OPS = ["eq", "neq", "gt", "gte", "lt", "lte", "in", "contains", "exists", "missing"] as const;
export type TraitOp = (typeof TRAIT_OPS)[number];

export type Leaf =
  | { kind: "trait"; trait: string; op: TraitOp; value: string }
  | { kind: "identifier"; identifier: string }
  | { kind: "event"; event: string; minCount: number; maxCount: number | null; withinDays: number | null }
  | { kind: "consent"; consent: string }
  | { kind: "segment"; segment: string }
  | { kind: "tag"; tag: string };

export type Group = { kind: "group"; mode: "all" | "any"; children: Node[] };

export type Node = (Leaf | Group) & { id: number; negate: boolean };

export const LEAF_KINDS: readonly (readonly [Leaf["kind"], string])[] = [
  ["trait", "a trait compares"],
  ["event", "did an event"],
  ["identifier", "has an identifier"],
  ["consent", "may be used for"],
  ["segment", "is in segment"],
  ["tag", "has tag"],
];

let nextId = 1;

export function node(content: Leaf | Group, negate = false): Node {
  return { ...content, id: nextId++, negate };
}

export function blankLeaf(kind: Leaf["kind"]): Node {
  switch (kind) {
    case "trait":
      return node({ kind, trait: "", op: "eq", value: "" });
    case "event":
      return node({ kind, event: "", minCount: 1, maxCount: null, withinDays: 30 });
    case "identifier":
      return node({ kind, identifier: "email" });
    case "consent":
      return node({ kind, consent: "marketing" });
    case "segment":
      return node({ kind, segment: "" });
    case "tag":
      return node({ kind, tag: "" });
  }
}

export function blankGroup(mode: "all" | "any" = "all"): Node {
  return node({ kind: "group", mode, children: [] });
}

/** What a new segment starts from: all of one trait comparison. */
export function startingCondition(): Node {
  return node({ kind: "group", mode: "all", children: [blankLeaf("trait")] });
}

/** A trait value as typed: JSON when it parses (numbers, true, "quoted"), else the text;
 * for `in`, a comma-separated list of such values. */
function typedValue(op: TraitOp, text: string): unknown {
  const one = (part: string): unknown => {
    const trimmed = part.trim();
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return trimmed;
    }
  };
  if (op === "in") return text.split(",").filter((p) => p.trim() !== "").map(one);
  return one(text);
}

function valueText(value: unknown): string {
  if (Array.isArray(value)) return value.map(valueText).join(", ");
  if (typeof value === "string") return value;
  return value === undefined || value === null ? "" : JSON.stringify(value);
}

function content(n: Node): Record<string, unknown> {
  switch (n.kind) {
    case "group":
      return { [n.mode]: n.children.map(toCondition) };
    case "trait":
      return n.op === "exists" || n.op === "missing"
        ? { trait: n.trait, op: n.op }
        : { trait: n.trait, op: n.op, value: typedValue(n.op, n.value) };
    case "identifier":
      return { identifier: n.identifier };
    case "event": {
      const found: Record<string, unknown> = { event: n.event, min_count: n.minCount };
      if (n.maxCount !== null) found["max_count"] = n.maxCount;
      if (n.withinDays !== null) found["within_days"] = n.withinDays;
      return found;
    }
    case "consent":
      return { consent: n.consent };
    case "segment":
      return { segment: n.segment };
    case "tag":
      return { tag: n.tag };
  }
}

export function toCondition(n: Node): Record<string, unknown> {
  const base = content(n);
  return n.negate ? { not: base } : base;
}

/** The path the API names in its refusals for this node's own part (see `childPath`). */
export function ownPath(path: string, n: Node): string {
  return n.negate ? `${path}.not` : path;
}

export function childPath(path: string, group: Node & Group, index: number): string {
  return `${ownPath(path, group)}.${group.mode}[${index}]`;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A stored definition's condition as builder nodes; what the builder cannot show (never the
 * case for a definition the API accepted) is an error. */
export function fromCondition(raw: unknown): Node {
  if (!isObject(raw)) throw new Error("a condition is an object");
  if ("not" in raw) {
    const inner = fromCondition(raw["not"]);
    return inner.negate ? { ...inner, negate: false } : { ...inner, negate: true };
  }
  for (const mode of ["all", "any"] as const) {
    const children = raw[mode];
    if (Array.isArray(children)) return node({ kind: "group", mode, children: children.map(fromCondition) });
  }
  if (typeof raw["trait"] === "string") {
    const op = (typeof raw["op"] === "string" ? raw["op"] : "eq") as TraitOp;
    return node({ kind: "trait", trait: raw["trait"], op, value: valueText(raw["value"]) });
  }
  if (typeof raw["event"] === "string") {
    const number = (v: unknown): number | null => (typeof v === "number" ? v : null);
    return node({
      kind: "event",
      event: raw["event"],
      minCount: number(raw["min_count"]) ?? 1,
      maxCount: number(raw["max_count"]),
      withinDays: number(raw["within_days"]),
    });
  }
  if (typeof raw["identifier"] === "string") return node({ kind: "identifier", identifier: raw["identifier"] });
  if (typeof raw["consent"] === "string") return node({ kind: "consent", consent: raw["consent"] });
  if (typeof raw["segment"] === "string") return node({ kind: "segment", segment: raw["segment"] });
  if (typeof raw["tag"] === "string") return node({ kind: "tag", tag: raw["tag"] });
  throw new Error(`an unknown condition: ${JSON.stringify(raw)}`);
}

/** The path at the start of an API refusal ("condition.all[1].value: required ..."). */
export function refusedPath(message: string): string | null {
  const match = /^(condition[^\s:]*)/.exec(message);
  return match?.[1] ?? null;
}
