// A journey definition (docs/journeys.md) as the editor holds it: the JSON itself, with steps
// by name, and what the canvas needs from it (which exits a step has, where each one leads).

export type Json = Record<string, unknown>;

export interface JourneyDefinition {
  name: string;
  description: string;
  trigger: Json;
  reentry: boolean;
  start: string;
  steps: Record<string, Json>;
}

export const STEP_TYPES = ["action", "wait", "branch", "exit"] as const;
export const ACTION_KINDS = [
  "webhook",
  "set_trait",
  "add_tag",
  "remove_tag",
  "emit_event",
  "send_to_destination",
] as const;
export const TRIGGER_KINDS = ["event", "segment_entered", "segment_left", "trait_changed"] as const;

/** The exits of a step: the fields that name the next step. */
export function exits(step: Json): string[] {
  switch (step["type"]) {
    case "action":
      return ["next"];
    case "wait":
      return "until_event" in step ? ["next", "on_timeout"] : ["next"];
    case "branch":
      return ["then", "else"];
    default:
      return [];
  }
}

export function emptyDefinition(): JourneyDefinition {
  return {
    name: "",
    description: "",
    trigger: { event: "Signed Up" },
    reentry: false,
    start: "first",
    steps: {
      first: {
        type: "action",
        action: { kind: "add_tag", tag: "welcomed" },
        next: null,
      },
    },
  };
}

export function fromStored(raw: unknown): JourneyDefinition {
  const d = (typeof raw === "object" && raw !== null ? raw : {}) as Json;
  return {
    name: typeof d["name"] === "string" ? d["name"] : "",
    description: typeof d["description"] === "string" ? d["description"] : "",
    trigger: (d["trigger"] as Json | undefined) ?? {},
    reentry: d["reentry"] === true,
    start: typeof d["start"] === "string" ? d["start"] : "",
    steps: (d["steps"] as Record<string, Json> | undefined) ?? {},
  };
}

/** Column and row of every step, breadth first from the start (unreachable steps last). */
export function layout(definition: JourneyDefinition): Record<string, { x: number; y: number }> {
  const depth: Record<string, number> = {};
  const queue: string[] = [];
  if (definition.start in definition.steps) {
    depth[definition.start] = 0;
    queue.push(definition.start);
  }
  while (queue.length > 0) {
    const name = queue.shift()!;
    const step = definition.steps[name]!;
    for (const exit of exits(step)) {
      const target = step[exit];
      if (typeof target === "string" && target in definition.steps && !(target in depth)) {
        depth[target] = depth[name]! + 1;
        queue.push(target);
      }
    }
  }
  const deepest = Math.max(0, ...Object.values(depth));
  const rows: Record<number, number> = {};
  const placed: Record<string, { x: number; y: number }> = {};
  for (const name of Object.keys(definition.steps)) {
    const column = depth[name] ?? deepest + 1;
    const row = rows[column] ?? 0;
    rows[column] = row + 1;
    placed[name] = { x: 40 + row * 260, y: 30 + column * 150 };
  }
  return placed;
}

/** The step an API refusal names: by its path ("steps.hello.action.url: ..."), else the first
 * step the message mentions ("steps: unreachable from start: step_2"); null for none. */
export function refusedStep(message: string, names: readonly string[]): string | null {
  const match = /^steps\.([^.:\s]+)/.exec(message);
  if (match?.[1] !== undefined) return match[1];
  const words = new Set(message.split(/[^A-Za-z0-9_-]+/));
  return names.find((name) => words.has(name)) ?? null;
}

/** One line about what a step does. */
export function summary(step: Json): string {
  switch (step["type"]) {
    case "action": {
      const action = (step["action"] ?? {}) as Json;
      const detail = action["url"] ?? action["tag"] ?? action["event"] ?? action["name"] ?? action["destination"] ?? "";
      return `${String(action["kind"] ?? "?")} ${String(detail)}`.trim();
    }
    case "wait":
      return "until_event" in step
        ? `wait for ${String(step["until_event"])} (${String(step["timeout_seconds"] ?? "?")} s at most)`
        : `wait ${String(step["seconds"] ?? "?")} s`;
    case "branch":
      return "if the condition holds";
    case "exit":
      return "end the run";
    default:
      return String(step["type"] ?? "?");
  }
}
