import type { ReactNode } from "react";

/** A table's header row: one column per name, then (with `actions`) a last column for the
 * row's buttons, named for screen readers only. */
export function Head({ columns, actions = false }: { columns: readonly string[]; actions?: boolean }): ReactNode {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th scope="col" key={c}>
            {c}
          </th>
        ))}
        {actions && (
          <th scope="col">
            <span className="visually-hidden">actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}
