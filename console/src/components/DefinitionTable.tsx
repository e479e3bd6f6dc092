import type { ReactNode } from "react";

import { count, when } from "../format";

export interface DefinitionRow {
  name: string;
  description: string;
  active: boolean;
  /** members of a segment, runs in flight of a journey */
  figure: number;
  version: number;
  updatedAt: number;
}

/** The named, versioned definitions of one kind (segments, journeys): each opens its editor. */
export function DefinitionTable({
  kind,
  figure,
  figureHref,
  rows,
}: {
  kind: "segments" | "journeys";
  figure: string;
  figureHref?: (name: string) => string;
  rows: readonly DefinitionRow[];
}): ReactNode {
  return (
    <table data-testid={`${kind}-table`}>
      <thead>
        <tr>
          <th scope="col">{kind === "segments" ? "segment" : "journey"}</th>
          <th scope="col">description</th>
          <th scope="col">state</th>
          <th scope="col">{figure}</th>
          <th scope="col">version</th>
          <th scope="col">updated</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.name}>
            <td>
              <a href={`#/${kind}/${encodeURIComponent(r.name)}`}>{r.name}</a>
            </td>
            <td>{r.description}</td>
            <td>{r.active ? "active" : "paused"}</td>
            <td className="number">
              {figureHref ? <a href={figureHref(r.name)}>{count(r.figure)}</a> : count(r.figure)}
            </td>
            <td className="number">{r.version}</td>
            <td>{when(r.updatedAt)}</td>
          </tr>
        ))}
        {rows.length === 0 && (
          <tr>
            <td colSpan={6}>No {kind} yet.</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
