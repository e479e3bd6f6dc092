import cytoscape from "cytoscape";
import { type ReactNode, useEffect, useRef } from "react";

export interface GraphNodeData {
  id: string;
  type: string;
  profileId?: string | null;
  generic: boolean;
  blocked: boolean;
}

export interface GraphEdgeData {
  source: string;
  target: string;
  kind: string;
  rule?: string | null;
  weight?: number | null;
  count?: number | null;
  followed?: boolean | null;
  refusal?: string | null;
}

const TYPE_COLOURS: Record<string, string> = {
  user_id: "#1f6feb",
  email: "#8250df",
  phone: "#bf3989",
  anonymous_id: "#6e7781",
  device_id: "#1a7f37",
};

/** The identity graph drawn: the profile's identifiers (filled) and their neighbours in other
 * profiles (hollow), evidence edges as thick as their weight; NEVER edges and edges that do not
 * join (refused, unfollowed) dashed red; blocked and generic identifiers crossed out. */
export function IdentityGraphView({
  profileId,
  nodes,
  edges,
}: {
  profileId: string;
  nodes: readonly GraphNodeData[];
  edges: readonly GraphEdgeData[];
}): ReactNode {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (box.current === null) return;
    const known = new Set(nodes.map((n) => n.id));
    const graph = cytoscape({
      container: box.current,
      elements: [
        ...nodes.map((n) => ({
          data: {
            id: n.id,
            label: n.type + (n.blocked ? " (blocked)" : n.generic ? " (generic)" : ""),
            colour: TYPE_COLOURS[n.type] ?? "#9a6700",
            own: n.profileId === profileId ? "yes" : "no",
            junk: n.blocked || n.generic ? "yes" : "no",
          },
        })),
        ...edges
          .filter((e) => known.has(e.source) && known.has(e.target))
          .map((e, index) => ({
            data: {
              id: `e${index}`,
              source: e.source,
              target: e.target,
              label: e.kind === "NEVER" ? "never" : `${e.rule ?? ""} ${(e.weight ?? 0).toFixed(2)}`,
              width: 1 + 6 * (e.weight ?? 0.2),
              broken: e.kind === "NEVER" || e.followed === false ? "yes" : "no",
            },
          })),
      ],
      style: [
        {
          selector: "node",
          style: {
            label: "data(label)",
            "background-color": "data(colour)",
            "border-color": "data(colour)",
            "border-width": 2,
            width: 22,
            height: 22,
            "font-size": 11,
            color: "#24292f",
            "text-valign": "bottom",
            "text-margin-y": 4,
          },
        },
        { selector: "node[own = 'no']", style: { "background-opacity": 0.15 } },
        { selector: "node[junk = 'yes']", style: { shape: "diamond", "border-style": "dashed" } },
        {
          selector: "edge",
          style: {
            width: "data(width)",
            "line-color": "#57606a",
            label: "data(label)",
            "font-size": 9,
            "text-rotation": "autorotate",
            "text-background-color": "#ffffff",
            "text-background-opacity": 0.85,
            "text-background-padding": "1px",
            "curve-style": "bezier",
          },
        },
        {
          selector: "edge[broken = 'yes']",
          style: { "line-color": "#cf222e", "line-style": "dashed" },
        },
      ],
      // A few identifiers read best on a circle; a larger neighbourhood needs a force layout.
      layout:
        nodes.length <= 8
          ? { name: "circle", padding: 50 }
          : { name: "cose", animate: false, padding: 30, idealEdgeLength: () => 90 },
      maxZoom: 2,
      wheelSensitivity: 0.3,
    });
    return () => graph.destroy();
  }, [profileId, nodes, edges]);
  return (
    <div
      ref={box}
      className="graph"
      role="img"
      aria-label={`Identity graph: ${nodes.length} identifiers, ${edges.length} evidence edges`}
      data-testid="identity-graph"
      data-nodes={nodes.length}
      data-edges={edges.length}
    />
  );
}
