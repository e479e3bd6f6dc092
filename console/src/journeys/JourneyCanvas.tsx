import {
  Background,
  type Connection,
  Controls,
  type Edge,
  Handle,
  type Node as FlowNode,
  type NodeProps,
  Position,
  ReactFlow,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { type ReactNode, useMemo, useState } from "react";

import { exits, type Json, type JourneyDefinition, layout, summary } from "./model";

type StepData = {
  name: string;
  step: Json;
  start: boolean;
  refused: boolean;
  selected: boolean;
  stats: Record<string, number> | undefined;
};

function StepNode({ data }: NodeProps<FlowNode<StepData>>): ReactNode {
  const outs = exits(data.step);
  const classes = ["step", data.refused ? "refused" : "", data.selected ? "chosen" : ""].join(" ");
  return (
    <div className={classes} data-testid={`step-${data.name}`}>
      <Handle type="target" position={Position.Top} />
      <div className="step-name">
        {data.start && <span className="start">start · </span>}
        {data.name}
      </div>
      <div className="step-type">{String(data.step["type"])}</div>
      <div className="step-summary">{summary(data.step)}</div>
      {data.stats && (
        <div className="step-stats" data-testid={`stats-${data.name}`}>
          {Object.entries(data.stats)
            .map(([outcome, n]) => `${outcome} ${n}`)
            .join(" · ")}
        </div>
      )}
      {outs.map((exit, index) => (
        <Handle
          key={exit}
          id={exit}
          type="source"
          position={Position.Bottom}
          style={{ left: `${((index + 1) * 100) / (outs.length + 1)}%` }}
          title={exit}
        />
      ))}
    </div>
  );
}

const NODE_TYPES = { step: StepNode };

/** The steps on a canvas: drag a step's exit (its bottom handles: next, then/else,
 * on_timeout) onto another step to connect them; select an edge and press Backspace to cut it. */
export function JourneyCanvas({
  definition,
  refusedStep,
  selected,
  stats,
  readOnly,
  onSelect,
  onChange,
}: {
  definition: JourneyDefinition;
  refusedStep: string | null;
  selected: string | null;
  stats: Record<string, Record<string, number>>;
  readOnly: boolean;
  onSelect: (name: string | null) => void;
  onChange: (next: JourneyDefinition) => void;
}): ReactNode {
  const [moved, setMoved] = useState<Record<string, { x: number; y: number }>>({});
  const placed = useMemo(() => layout(definition), [definition]);
  const nodes: FlowNode<StepData>[] = Object.entries(definition.steps).map(([name, step]) => ({
    id: name,
    type: "step",
    position: moved[name] ?? placed[name] ?? { x: 0, y: 0 },
    data: {
      name,
      step,
      start: name === definition.start,
      refused: name === refusedStep,
      selected: name === selected,
      stats: stats[name],
    },
  }));
  const edges: Edge[] = Object.entries(definition.steps).flatMap(([name, step]) =>
    exits(step)
      .filter((exit) => typeof step[exit] === "string" && (step[exit] as string) in definition.steps)
      .map((exit) => ({
        id: `${name}:${exit}`,
        source: name,
        sourceHandle: exit,
        target: step[exit] as string,
        label: exit === "next" ? undefined : exit,
      })),
  );

  function setExit(source: string, exit: string, target: string | null): void {
    const step = definition.steps[source];
    if (step === undefined) return;
    onChange({ ...definition, steps: { ...definition.steps, [source]: { ...step, [exit]: target } } });
  }

  return (
    <div className="canvas" data-testid="journey-canvas">
      <ReactFlow
        // drawn anew (and fitted again) when a step comes or goes
        key={Object.keys(definition.steps).length}
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        fitView
        fitViewOptions={{ maxZoom: 1, padding: 0.2 }}
        nodesConnectable={!readOnly}
        elementsSelectable
        deleteKeyCode={readOnly ? null : ["Backspace", "Delete"]}
        onNodeClick={(_, n) => onSelect(n.id)}
        onPaneClick={() => onSelect(null)}
        onNodesChange={(changes) => {
          const dragged = changes.filter((c) => c.type === "position" && c.position !== undefined);
          if (dragged.length === 0) return; // measurements and selections: nothing to keep
          const next = { ...moved };
          for (const change of dragged) {
            if (change.type === "position" && change.position) next[change.id] = change.position;
          }
          setMoved(next);
        }}
        onConnect={(c: Connection) => {
          if (c.source && c.target && c.sourceHandle && c.source !== c.target) setExit(c.source, c.sourceHandle, c.target);
        }}
        onEdgesDelete={(gone) => {
          let next = definition;
          for (const edge of gone) {
            const step = next.steps[edge.source];
            if (step && edge.sourceHandle) {
              next = { ...next, steps: { ...next.steps, [edge.source]: { ...step, [edge.sourceHandle]: null } } };
            }
          }
          onChange(next);
        }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
