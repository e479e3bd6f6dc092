// The signed-in API key and what its role may do. The key lives in this tab's sessionStorage
// only (closed with the tab); the server checks every request anyway, so hiding what a role
// may not do is for clarity, not protection.
import { createContext, useContext } from "react";

import { request } from "./api";
import { graphql } from "./gql";
import type { TypedDocumentString } from "./gql/graphql";

export type Capability = "read" | "read_pii" | "curate" | "segments" | "privacy" | "admin";

export interface Session {
  apiKey: string;
  keyName: string;
  role: string;
  capabilities: ReadonlySet<string>;
}

const STORAGE_KEY = "cdp.console.apiKey";

export const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      keyName
      role
      capabilities
    }
  }
`);

export async function signIn(apiKey: string): Promise<Session> {
  const { viewer } = await request(ViewerQuery, {}, apiKey);
  sessionStorage.setItem(STORAGE_KEY, apiKey);
  return {
    apiKey,
    keyName: viewer.keyName,
    role: viewer.role,
    capabilities: new Set(viewer.capabilities),
  };
}

export function storedKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) {
    throw new Error("useSession outside a signed-in console");
  }
  return session;
}

export function useCan(capability: Capability): boolean {
  return useSession().capabilities.has(capability);
}

/** The signed-in caller's `request`. */
export function useRequest(): <R, V>(document: TypedDocumentString<R, V>, variables: V) => Promise<R> {
  const { apiKey } = useSession();
  return (document, variables) => request(document, variables, apiKey);
}
