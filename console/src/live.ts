import { createClient } from "graphql-ws";
import { useEffect } from "react";

import { graphql } from "./gql";

export const ProfileUpdates = graphql(`
  subscription ProfileUpdates($profileId: String!) {
    profileUpdated(profileId: $profileId) {
      kind
      related
      at
    }
  }
`);

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

/** Changes of one profile as they happen (`profileUpdated` over graphql-ws, the key in the
 * connection's init payload: browsers cannot set headers on a WebSocket). */
export function useProfileUpdates(
  profileId: string,
  apiKey: string,
  onUpdate: (update: { kind: string; related: readonly string[] }) => void,
): void {
  useEffect(() => {
    const url = `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/graphql`;
    const client = createClient({
      url,
      connectionParams: { Authorization: `Bearer ${apiKey}` },
      retryAttempts: 5,
    });
    const stop = client.subscribe<{ profileUpdated: { kind: string; related: string[] } }>(
      { query: ProfileUpdates.toString(), variables: { profileId } },
      {
        next: ({ data }) => {
          if (data) onUpdate(data.profileUpdated);
        },
        error: () => undefined, // best effort: the page still shows what it read
        complete: () => undefined,
      },
    );
    return () => {
      stop();
      void client.dispose();
    };
    // One subscription per profile and key; `onUpdate` is made anew on every render.
  }, [profileId, apiKey]);
}
