import { useCallback, useEffect, useRef, useState } from "react";

import { ApiError } from "./api";
import type { TypedDocumentString } from "./gql/graphql";
import { useRequest } from "./session";

export type Loaded<R> =
  | { state: "loading" }
  | { state: "failed"; error: ApiError }
  | { state: "done"; data: R };

/** A query run when the component shows and whenever its variables change; `reload` runs it
 * again. An answer to an older request never replaces a newer one. */
export function useQuery<R, V>(
  document: TypedDocumentString<R, V>,
  variables: V,
  skip = false,
): { loaded: Loaded<R>; reload: () => void } {
  const run = useRequest();
  const [loaded, setLoaded] = useState<Loaded<R>>({ state: "loading" });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  const key = JSON.stringify(variables);
  useEffect(() => {
    if (skip) {
      return;
    }
    const ticket = ++latest.current;
    setLoaded({ state: "loading" });
    run(document, JSON.parse(key) as V).then(
      (data) => {
        if (ticket === latest.current) setLoaded({ state: "done", data });
      },
      (error: unknown) => {
        if (ticket === latest.current) setLoaded({ state: "failed", error: asApiError(error) });
      },
    );
    // `run` changes identity on every render; the key and document say what to fetch.
  }, [document, key, skip, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { loaded, reload };
}

export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError([error instanceof Error ? error.message : String(error)], 0);
}

/** The current hash route, e.g. "#/profiles/p-1" -> ["profiles", "p-1"]. */
export function useRoute(): string[] {
  const read = (): string[] =>
    window.location.hash
      .replace(/^#\/?/, "")
      .split("?")[0]!
      .split("/")
      .filter((part) => part !== "")
      .map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = (): void => setRoute(read());
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return route;
}

export function go(...parts: string[]): void {
  window.location.hash = "#/" + parts.map(encodeURIComponent).join("/");
}

/** The query part of the hash route, e.g. "#/profiles?segment=vip" -> {segment: "vip"}. */
export function hashQuery(): URLSearchParams {
  const hash = window.location.hash;
  const at = hash.indexOf("?");
  return new URLSearchParams(at < 0 ? "" : hash.slice(at + 1));
}
