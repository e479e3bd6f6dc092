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

/** What an action just did, announced to screen readers; nothing when there is no news. */
export function Notice({ text }: { text: string | null }): ReactNode {
  if (!text) return null;
  return (
    <p className="notice" role="status">
      {text}
    </p>
  );
}

/** A secret shown once (it is stored as a digest), with a button that copies it; `children`
 * follow it (how to use it). */
export function ShownOnce({
  testId,
  label,
  secret,
  children,
}: {
  testId: string;
  label: ReactNode;
  secret: string;
  children?: ReactNode;
}): ReactNode {
  return (
    <div className="notice" data-testid={testId}>
      <p>
        {label}, shown this once (it is stored as a digest): <code className="secret">{secret}</code>{" "}
        <button type="button" className="small" onClick={() => void navigator.clipboard.writeText(secret)}>
          Copy
        </button>
      </p>
      {children}
    </div>
  );
}
