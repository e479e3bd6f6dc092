import type { ReactNode } from "react";

import {
  blankGroup,
  blankLeaf,
  childPath,
  type Leaf,
  LEAF_KINDS,
  type Node,
  ownPath,
  TRAIT_OPS,
  type TraitOp,
} from "./model";

interface Props {
  node: Node;
  path: string;
  /** The path an API refusal names: the node it starts with is marked. */
  refused: string | null;
  onChange: (next: Node) => void;
  onRemove: (() => void) | null;
  readOnly: boolean;
}

function marked(path: string, node: Node, refused: string | null): boolean {
  if (refused === null) return false;
  const own = ownPath(path, node);
  if (refused === path || refused === own) return true;
  // a leaf's field: condition.all[1].value names the leaf at condition.all[1]
  return node.kind !== "group" && (refused.startsWith(own + ".") || refused.startsWith(path + "."));
}

function LeafFields({
  node,
  label,
  onChange,
  readOnly,
}: {
  node: Node & Leaf;
  label: string;
  onChange: (next: Node) => void;
  readOnly: boolean;
}): ReactNode {
  const text = (name: string, value: string, set: (v: string) => Node, placeholder = ""): ReactNode => (
    <input
      aria-label={`${label} ${name}`}
      value={value}
      placeholder={placeholder}
      readOnly={readOnly}
      onChange={(e) => onChange(set(e.target.value))}
    />
  );
  const count = (name: string, value: number | null, set: (v: number | null) => Node): ReactNode => (
    <input
      aria-label={`${label} ${name}`}
      type="number"
      min={0}
      className="count"
      value={value ?? ""}
      readOnly={readOnly}
      onChange={(e) => onChange(set(e.target.value === "" ? null : Number(e.target.value)))}
    />
  );
  switch (node.kind) {
    case "trait":
      return (
        <>
          trait {text("trait", node.trait, (trait) => ({ ...node, trait }), "plan")}
          <select
            aria-label={`${label} operator`}
            value={node.op}
            disabled={readOnly}
            onChange={(e) => onChange({ ...node, op: e.target.value as TraitOp })}
          >
            {TRAIT_OPS.map((op) => (
              <option key={op}>{op}</option>
            ))}
          </select>
          {node.op !== "exists" &&
            node.op !== "missing" &&
            text("value", node.value, (value) => ({ ...node, value }), node.op === "in" ? "pro, team" : "pro")}
        </>
      );
    case "event":
      return (
        <>
          did {text("event", node.event, (event) => ({ ...node, event }), "Order Completed")} at least{" "}
          {count("at least", node.minCount, (v) => ({ ...node, minCount: v ?? 0 }))} times, at most{" "}
          {count("at most", node.maxCount, (maxCount) => ({ ...node, maxCount }))} times, in the last{" "}
          {count("days", node.withinDays, (withinDays) => ({ ...node, withinDays }))} days
        </>
      );
    case "identifier":
      return <>has an identifier of type {text("type", node.identifier, (identifier) => ({ ...node, identifier }))}</>;
    case "consent":
      return <>may be used for {text("purpose", node.consent, (consent) => ({ ...node, consent }))}</>;
    case "segment":
      return <>is in segment {text("segment", node.segment, (segment) => ({ ...node, segment }))}</>;
    case "tag":
      return <>has tag {text("tag", node.tag, (tag) => ({ ...node, tag }))}</>;
  }
}

export function ConditionEditor({ node, path, refused, onChange, onRemove, readOnly }: Props): ReactNode {
  const label = `Condition ${path}`;
  const bad = marked(path, node, refused);
  const negation = (
    <label className="negate">
      <input
        type="checkbox"
        checked={node.negate}
        disabled={readOnly}
        onChange={(e) => onChange({ ...node, negate: e.target.checked })}
      />{" "}
      not
    </label>
  );
  const remove = onRemove && !readOnly && (
    <button type="button" className="small" aria-label={`Remove ${path}`} onClick={onRemove}>
      ×
    </button>
  );
  if (node.kind !== "group") {
    return (
      <div className={`condition leaf${bad ? " refused" : ""}`} data-path={path}>
        {negation} <LeafFields node={node} label={label} onChange={onChange} readOnly={readOnly} /> {remove}
      </div>
    );
  }
  return (
    <div className={`condition group${bad ? " refused" : ""}`} data-path={path}>
      <div className="group-head">
        {negation}{" "}
        <select
          aria-label={`${label} mode`}
          value={node.mode}
          disabled={readOnly}
          onChange={(e) => onChange({ ...node, mode: e.target.value as "all" | "any" })}
        >
          <option value="all">all of</option>
          <option value="any">any of</option>
        </select>{" "}
        {remove}
      </div>
      {node.children.map((child, index) => (
        <ConditionEditor
          key={child.id}
          node={child}
          path={childPath(path, node, index)}
          refused={refused}
          readOnly={readOnly}
          onChange={(next) => onChange({ ...node, children: node.children.map((c) => (c.id === child.id ? next : c)) })}
          onRemove={() => onChange({ ...node, children: node.children.filter((c) => c.id !== child.id) })}
        />
      ))}
      {!readOnly && (
        <div className="add">
          <select
            aria-label={`Add to ${path}`}
            value=""
            onChange={(e) => {
              const kind = e.target.value;
              if (kind === "") return;
              const added = kind === "group" ? blankGroup("any") : blankLeaf(kind as Leaf["kind"]);
              onChange({ ...node, children: [...node.children, added] });
            }}
          >
            <option value="">+ add…</option>
            {LEAF_KINDS.map(([kind, text]) => (
              <option key={kind} value={kind}>
                {text}
              </option>
            ))}
            <option value="group">a group (all / any)</option>
          </select>
        </div>
      )}
    </div>
  );
}
