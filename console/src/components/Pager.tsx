import { type ReactNode, useState } from "react";

/** Cursor paging: the cursors of the pages seen so far, the last one the current page's. */
export function useCursors(): {
  after: string | null;
  page: number;
  back: () => void;
  forward: (endCursor: string | null | undefined) => void;
  reset: () => void;
} {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    after: cursors[cursors.length - 1] ?? null,
    page: cursors.length,
    back: () => setCursors(cursors.length > 1 ? cursors.slice(0, -1) : cursors),
    forward: (endCursor) => setCursors([...cursors, endCursor ?? null]),
    reset: () => setCursors([null]),
  };
}

export function Pager({
  cursors,
  pageInfo,
  labels = ["Previous", "Next"],
}: {
  cursors: ReturnType<typeof useCursors>;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
  labels?: readonly [string, string];
}): ReactNode {
  return (
    <div className="pager">
      <button type="button" disabled={cursors.page < 2} onClick={cursors.back}>
        {labels[0]}
      </button>
      <button type="button" disabled={!pageInfo.hasNextPage} onClick={() => cursors.forward(pageInfo.endCursor)}>
        {labels[1]}
      </button>
    </div>
  );
}
