import { useEffect } from "react";

/** Check `value` (JSON text) 400 ms after its last change; an answer to an older value is
 * dropped. The segment builder's count and the journey editor's validation use it. */
export function useLiveCheck<R>(
  value: string,
  check: (value: unknown) => Promise<R>,
  answer: (result: R) => void,
  failed: (error: unknown) => void,
): void {
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      check(JSON.parse(value) as unknown).then(
        (result) => current && answer(result),
        (error: unknown) => current && failed(error),
      );
    }, 400);
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // The value says what to check; the callbacks are made anew on every render.
  }, [value]);
}
