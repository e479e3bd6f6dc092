import { type ReactNode, useState } from "react";

import { ConditionEditor } from "./ConditionEditor";
import { fromCondition, type Node, startingCondition, toCondition } from "./model";

/** A condition kept in a definition (a branch's `condition`, a trigger's `where`), edited with
 * the segment builder; a value the builder cannot read starts over from a blank condition. */
export function ConditionField({
  value,
  path,
  readOnly,
  onChange,
}: {
  value: unknown;
  path: string;
  readOnly: boolean;
  onChange: (condition: Record<string, unknown>) => void;
}): ReactNode {
  const [tree, setTree] = useState<Node>(() => {
    try {
      return fromCondition(value);
    } catch {
      return startingCondition();
    }
  });
  return (
    <ConditionEditor
      node={tree}
      path={path}
      refused={null}
      readOnly={readOnly}
      onRemove={null}
      onChange={(next) => {
        setTree(next);
        onChange(toCondition(next));
      }}
    />
  );
}
