import type { ReactNode } from "react";

import { ConditionField } from "../segments/ConditionField";
import { startingCondition, toCondition } from "../segments/model";
import { ACTION_KINDS, type Json, STEP_TYPES } from "./model";

/** The fields of an action kind, as text inputs (`data` and `value` take JSON). */
const ACTION_FIELDS: Record<string, readonly string[]> = {
  webhook: ["url", "purpose", "data"],
  set_trait: ["name", "value", "purpose"],
  add_tag: ["tag", "purpose"],
  remove_tag: ["tag", "purpose"],
  emit_event: ["event", "purpose"],
  send_to_destination: ["destination", "purpose"],
};
const JSON_FIELDS = new Set(["data", "value"]);

function asText(value: unknown, json: boolean): string {
  if (value === undefined || value === null) return "";
  return json || typeof value !== "string" ? JSON.stringify(value) : value;
}

function parsed(text: string, json: boolean): unknown {
  if (!json) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function StepPanel({
  name,
  step,
  readOnly,
  onChange,
  onRemove,
}: {
  name: string;
  step: Json;
  readOnly: boolean;
  onChange: (next: Json) => void;
  onRemove: () => void;
}): ReactNode {
  const type = String(step["type"] ?? "action");
  const action = (step["action"] ?? {}) as Json;
  const kind = String(action["kind"] ?? "webhook");
  const field = (label: string, value: string, set: (text: string) => void, placeholder = ""): ReactNode => (
    <label className="field" key={label}>
      {label}
      <input
        aria-label={label}
        value={value}
        placeholder={placeholder}
        readOnly={readOnly}
        onChange={(e) => set(e.target.value)}
      />
    </label>
  );
  const number = (key: string): ReactNode =>
    field(key, asText(step[key], false), (t) => onChange({ ...step, [key]: t === "" ? null : Number(t) }));

  function retype(next: string): void {
    const keep = { next: step["next"] ?? null };
    if (next === "action") onChange({ type: next, action: { kind: "add_tag", tag: "" }, ...keep });
    else if (next === "wait") onChange({ type: next, seconds: 3600, ...keep });
    else if (next === "branch") onChange({ type: next, condition: toCondition(startingCondition()), then: null, else: null });
    else onChange({ type: next });
  }

  return (
    <aside className="step-panel" aria-label={`Step ${name}`}>
      <h2>Step {name}</h2>
      <label className="field">
        type
        <select aria-label="step type" value={type} disabled={readOnly} onChange={(e) => retype(e.target.value)}>
          {STEP_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>
      {type === "action" && (
        <>
          <label className="field">
            action
            <select
              aria-label="action"
              value={kind}
              disabled={readOnly}
              onChange={(e) => onChange({ ...step, action: { kind: e.target.value } })}
            >
              {[...new Set([...ACTION_KINDS, kind])].map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </label>
          {(ACTION_FIELDS[kind] ?? Object.keys(action).filter((k) => k !== "kind")).map((key) =>
            field(key, asText(action[key], JSON_FIELDS.has(key)), (text) =>
              onChange({ ...step, action: { ...action, [key]: parsed(text, JSON_FIELDS.has(key)) } }),
            ),
          )}
        </>
      )}
      {type === "wait" && (
        <>
          <label className="field">
            <input
              type="checkbox"
              checked={"until_event" in step}
              disabled={readOnly}
              onChange={(e) =>
                onChange(
                  e.target.checked
                    ? { type, until_event: "", timeout_seconds: 86400, next: step["next"] ?? null, on_timeout: null }
                    : { type, seconds: 3600, next: step["next"] ?? null },
                )
              }
            />{" "}
            wait for an event
          </label>
          {"until_event" in step ? (
            <>
              {field("until_event", asText(step["until_event"], false), (t) => onChange({ ...step, until_event: t }), "Order Completed")}
              {number("timeout_seconds")}
            </>
          ) : (
            number("seconds")
          )}
        </>
      )}
      {type === "branch" && (
        <ConditionField
          key={name}
          value={step["condition"]}
          path="condition"
          readOnly={readOnly}
          onChange={(condition) => onChange({ ...step, condition })}
        />
      )}
      <p className="note">Connect its exits on the canvas: drag from a bottom handle to a step.</p>
      {!readOnly && (
        <button type="button" onClick={onRemove}>
          Delete step
        </button>
      )}
    </aside>
  );
}
