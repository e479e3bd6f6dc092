import type { ReactNode } from "react";

import type { ApiError } from "../api";
import type { Loaded } from "../hooks";

export function Failure({ error }: { error: ApiError }): ReactNode {
  return (
    <div className="failure" role="alert">
      {error.messages.map((m) => (
        <p key={m}>{m}</p>
      ))}
    </div>
  );
}

/** Loading, the error, or the content made from the data. */
export function Show<R>({
  loaded,
  children,
}: {
  loaded: Loaded<R>;
  children: (data: R) => ReactNode;
}): ReactNode {
  if (loaded.state === "loading") return <p className="loading">Loading…</p>;
  if (loaded.state === "failed") return <Failure error={loaded.error} />;
  return children(loaded.data);
}
