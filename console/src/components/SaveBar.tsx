import type { ReactNode } from "react";

import type { ApiError } from "../api";
import { Failure } from "./Status";

/** Save a definition (a new version) and, once it exists, activate or pause it; what
 * happened, or the API's error, underneath. */
export function SaveBar({
  testId,
  editable,
  existing,
  active,
  onSave,
  onToggle,
  notice,
  error,
  children,
}: {
  testId: string;
  editable: boolean;
  existing: boolean;
  active: boolean;
  onSave: () => void;
  onToggle: () => void;
  notice: string | null;
  error: ApiError | null;
  children?: ReactNode;
}): ReactNode {
  return (
    <>
      {editable && (
        <div className="pager">
          <button type="button" onClick={onSave}>
            Save
          </button>
          {existing && (
            <button type="button" onClick={onToggle}>
              {active ? "Pause" : "Activate"}
            </button>
          )}
          {children}
        </div>
      )}
      {notice && (
        <p className="notice" data-testid={testId}>
          {notice}
        </p>
      )}
      {error && <Failure error={error} />}
    </>
  );
}
