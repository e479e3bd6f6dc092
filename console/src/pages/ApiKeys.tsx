import { type FormEvent, type ReactNode, useState } from "react";

import type { ApiError } from "../api";
import { Head } from "../components/Table";
import { Failure, Notice, Show, ShownOnce } from "../components/Status";
import { when } from "../format";
import { graphql } from "../gql";
import { asApiError, useQuery } from "../hooks";
import { useRequest } from "../session";

/** The roles an API key may have, least to most (docs/graphql.md has what each may do). */
const ROLES = ["viewer", "analyst", "marketer", "privacy_officer", "admin"] as const;

export const ApiKeysQuery = graphql(`
  query ApiKeyList {
    apiKeys {
      id
      name
      role
      createdAt
      expiresAt
      revoked
      active
    }
  }
`);

export const CreateApiKeyNow = graphql(`
  mutation CreateApiKeyNow($name: String!, $role: String!, $expiresDays: Float) {
    createApiKey(name: $name, role: $role, expiresDays: $expiresDays) {
      __typename
      ... on ApiKeyCreated {
        secret
        key {
          name
          role
        }
      }
      ... on InvalidApiKey {
        message
      }
    }
  }
`);

export const RevokeApiKeyNow = graphql(`
  mutation RevokeApiKeyNow($id: String!) {
    revokeApiKey(id: $id) {
      __typename
      ... on ApiKeyNotFound {
        message
      }
    }
  }
`);

function state(key: { revoked: boolean; active: boolean }): string {
  if (key.revoked) return "revoked";
  return key.active ? "active" : "expired";
}

export function ApiKeys(): ReactNode {
  const run = useRequest();
  const { loaded, reload } = useQuery(ApiKeysQuery, {});
  const [name, setName] = useState("");
  const [role, setRole] = useState<string>("viewer");
  const [days, setDays] = useState("");
  const [made, setMade] = useState<{ name: string; role: string; secret: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  async function attempt(work: () => Promise<void>): Promise<void> {
    setError(null);
    setNotice(null);
    try {
      await work();
      reload();
    } catch (e) {
      setError(asApiError(e));
    }
  }

  const create = (event: FormEvent): Promise<void> => {
    event.preventDefault();
    return attempt(async () => {
      const expiresDays = days.trim() === "" ? null : Number(days);
      const { createApiKey: answer } = await run(CreateApiKeyNow, { name: name.trim(), role, expiresDays });
      if (answer.__typename === "ApiKeyCreated") {
        setMade({ name: answer.key.name, role: answer.key.role, secret: answer.secret });
        setName("");
      } else {
        setNotice(answer.message);
      }
    });
  };
  const revoke = (id: string, keyName: string): Promise<void> =>
    attempt(async () => {
      if (!window.confirm(`Revoke the API key ${keyName}? Whoever uses it is refused within 30 seconds.`)) return;
      const { revokeApiKey: answer } = await run(RevokeApiKeyNow, { id });
      setNotice(answer.__typename === "ApiKeyRevoked" ? `${keyName} is revoked.` : answer.message);
    });

  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      <p className="hint">
        Keys for the GraphQL API and this console. A role decides what a key may do; only the privacy officer and admin
        roles see personal data in clear. The development admin key from the environment is not listed.
      </p>
      <Notice text={notice} />
      {made && (
        <ShownOnce
          testId="new-api-key"
          secret={made.secret}
          label={
            <>
              API key <strong>{made.name}</strong> ({made.role})
            </>
          }
        />
      )}
      {error && <Failure error={error} />}
      <form className="search" onSubmit={(e) => void create(e)} aria-label="Create an API key">
        <label htmlFor="key-name">Name</label>
        <input id="key-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="support desk" required />
        <label htmlFor="key-role">role</label>
        <select id="key-role" value={role} onChange={(e) => setRole(e.target.value)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        <label htmlFor="key-days">expires after (days, empty: never)</label>
        <input
          id="key-days"
          type="number"
          min="1"
          max="3650"
          step="1"
          value={days}
          onChange={(e) => setDays(e.target.value)}
        />
        <button type="submit">Create API key</button>
      </form>
      <Show loaded={loaded}>
        {(data) => (
          <table data-testid="api-keys">
            <Head columns={["name", "role", "created", "expires", "state"]} actions />
            <tbody>
              {data.apiKeys.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>{k.role}</td>
                  <td>{when(k.createdAt)}</td>
                  <td>{k.expiresAt === null || k.expiresAt === undefined ? "never" : when(k.expiresAt)}</td>
                  <td>{state(k)}</td>
                  <td>
                    {!k.revoked && (
                      <button type="button" className="small" onClick={() => void revoke(k.id, k.name)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
              {data.apiKeys.length === 0 && (
                <tr>
                  <td colSpan={6}>No API keys yet: only the development admin key works.</td>
                </tr>
              )}
            </tbody>
          </table>
        )}
      </Show>
    </section>
  );
}
