import { type FormEvent, type ReactNode, useState } from "react";

import type { ApiError } from "../api";
import { DestinationForm, type DestinationFields, NEW_DESTINATION } from "../components/DestinationForm";
import { Head } from "../components/Table";
import { Failure, Notice, Show, ShownOnce } from "../components/Status";
import { count, shown } from "../format";
import { graphql } from "../gql";
import { asApiError, useQuery } from "../hooks";
import { useCan, useRequest } from "../session";

export const SourcesAndDestinations = graphql(`
  query SourcesAndDestinations {
    sources {
      id
      name
      trust
      retentionDays
      redecision {
        status
        checked
        total
        changed
      }
    }
    destinations {
      name
      kind
      purpose
      topics
      batchSize
      forwardErasures
      active
      stats
    }
  }
`);

export const CreateSourceNow = graphql(`
  mutation CreateSourceNow($name: String!, $trust: Float!) {
    createSource(name: $name, trust: $trust) {
      __typename
      ... on SourceCreated {
        writeKey
        source {
          id
          name
        }
      }
      ... on InvalidSource {
        message
      }
    }
  }
`);

export const RotateKeyNow = graphql(`
  mutation RotateKeyNow($id: String!) {
    rotateWriteKey(sourceId: $id) {
      __typename
      ... on WriteKeyRotated {
        writeKey
      }
      ... on SourceNotFound {
        message
      }
    }
  }
`);

export const SetTrustNow = graphql(`
  mutation SetTrustNow($id: String!, $trust: Float!) {
    setSourceTrust(sourceId: $id, trust: $trust) {
      __typename
      ... on SourceTrustSet {
        source {
          name
          trust
        }
      }
      ... on InvalidSource {
        message
      }
      ... on SourceNotFound {
        message
      }
    }
  }
`);

export const SetRetentionNow = graphql(`
  mutation SetRetentionNow($id: String!, $days: Int) {
    setSourceRetention(sourceId: $id, days: $days)
  }
`);

export const DestinationActiveNow = graphql(`
  mutation DestinationActiveNow($name: String!, $active: Boolean!) {
    setDestinationActive(name: $name, active: $active) {
      __typename
      ... on Destination {
        name
        active
      }
      ... on InvalidDestination {
        message
      }
      ... on DestinationNotFound {
        message
      }
    }
  }
`);

export const ReplayNow = graphql(`
  mutation ReplayNow($name: String!) {
    replayDestination(name: $name)
  }
`);

/** The write key, shown once, with the analytics.js snippet that uses it. */
function NewKey({ name, writeKey }: { name: string; writeKey: string }): ReactNode {
  const origin = window.location.origin;
  const host = window.location.host;
  const protocol = window.location.protocol.replace(":", "");
  const snippet = `import { AnalyticsBrowser } from "@segment/analytics-next";

export const analytics = AnalyticsBrowser.load(
  { writeKey: "${writeKey}", cdnURL: "${origin}" },
  { integrations: { "Segment.io": { apiHost: "${host}/v1", protocol: "${protocol}" } } },
);
analytics.page();`;
  return (
    <ShownOnce
      testId="new-write-key"
      secret={writeKey}
      label={
        <>
          Write key of <strong>{name}</strong>
        </>
      }
    >
      <p>analytics.js (npm @segment/analytics-next) in a web app; docs/tracking.md has the other SDKs:</p>
      <pre>{snippet}</pre>
    </ShownOnce>
  );
}

export function Sources(): ReactNode {
  const run = useRequest();
  const isAdmin = useCan("admin");
  const mayRetain = useCan("privacy");
  const { loaded, reload } = useQuery(SourcesAndDestinations, {});
  const [name, setName] = useState("");
  const [trust, setTrust] = useState("0.5");
  const [key, setKey] = useState<{ name: string; writeKey: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [editing, setEditing] = useState<{ fields: DestinationFields; existing: boolean } | null>(null);

  /** Open the destination form; what the last action said is no longer news. */
  function edit(form: { fields: DestinationFields; existing: boolean }): void {
    setNotice(null);
    setEditing(form);
  }

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
      const { createSource: made } = await run(CreateSourceNow, { name: name.trim(), trust: Number(trust) });
      if (made.__typename === "SourceCreated") setKey({ name: made.source.name, writeKey: made.writeKey });
      else setNotice(made.message);
    });
  };
  const rotate = (id: string, source: string): Promise<void> =>
    attempt(async () => {
      if (!window.confirm(`Rotate the write key of ${source}? Trackers using the old key stop being accepted.`)) return;
      const { rotateWriteKey: done } = await run(RotateKeyNow, { id });
      if (done.__typename === "WriteKeyRotated") setKey({ name: source, writeKey: done.writeKey });
      else setNotice(done.message);
    });
  const retrust = (id: string, source: string, current: number): Promise<void> =>
    attempt(async () => {
      const answer = window.prompt(`New trust of ${source}, in (0, 1]:`, String(current));
      if (answer === null) return;
      const { setSourceTrust: done } = await run(SetTrustNow, { id, trust: Number(answer) });
      setNotice(
        done.__typename === "SourceTrustSet"
          ? `${done.source.name} now weighs ${done.source.trust}; its golden records are decided again in the background.`
          : done.message,
      );
    });
  const retain = (id: string, source: string, current: number): Promise<void> =>
    attempt(async () => {
      const now = current > 0 ? `${current} days` : "for ever";
      const answer = window.prompt(
        `Keep the events of ${source} for how many days, 1 to 36500? Now: ${now}. Empty: the workspace default.`,
        "",
      );
      if (answer === null) return;
      const text = answer.trim();
      if (text !== "" && !/^[0-9]+$/.test(text)) {
        setNotice(`"${answer}" is not a number of days: nothing changed.`);
        return;
      }
      const days = text === "" ? null : Number(text);
      await run(SetRetentionNow, { id, days });
      setNotice(`${source}: events kept ${days === null ? "as the workspace default says" : `${days} days`}.`);
    });
  const toggle = (destination: string, active: boolean): Promise<void> =>
    attempt(async () => {
      const { setDestinationActive: done } = await run(DestinationActiveNow, { name: destination, active });
      setNotice(done.__typename === "Destination" ? `${done.name} ${done.active ? "started" : "stopped"}.` : done.message);
    });
  const replay = (destination: string): Promise<void> =>
    attempt(async () => {
      const { replayDestination: moved } = await run(ReplayNow, { name: destination });
      setNotice(`${moved} dead letters of ${destination} are waiting again.`);
    });

  return (
    <section aria-labelledby="sources-title">
      <h1 id="sources-title">Sources and destinations</h1>
      <Notice text={notice} />
      {key && <NewKey name={key.name} writeKey={key.writeKey} />}
      {error && <Failure error={error} />}
      <Show loaded={loaded}>
        {(data) => (
          <>
            <h2>Sources</h2>
            <table data-testid="sources">
              <Head columns={["source", "trust", "events kept", "re-decision"]} actions />
              <tbody>
                {data.sources.map((s) => (
                  <tr key={s.id}>
                    <td>
                      {s.name} <code className="note">{s.id}</code>
                    </td>
                    <td className="number">{s.trust}</td>
                    <td>{s.retentionDays > 0 ? `${count(s.retentionDays)} days` : "for ever"}</td>
                    <td>
                      {s.redecision
                        ? `${s.redecision.status}: ${count(s.redecision.checked)} of ${count(s.redecision.total)} checked, ${count(s.redecision.changed)} changed`
                        : ""}
                    </td>
                    <td>
                      {mayRetain && (
                        <button type="button" className="small" onClick={() => void retain(s.id, s.name, s.retentionDays)}>
                          Set retention
                        </button>
                      )}{" "}
                      {isAdmin && (
                        <>
                          <button type="button" className="small" onClick={() => void retrust(s.id, s.name, s.trust)}>
                            Set trust
                          </button>{" "}
                          <button type="button" className="small" onClick={() => void rotate(s.id, s.name)}>
                            Rotate write key
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {isAdmin && (
              <form className="search" onSubmit={(e) => void create(e)} aria-label="Create a source">
                <label htmlFor="source-name">New source</label>
                <input id="source-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="web" required />
                <label htmlFor="source-trust">trust</label>
                <input
                  id="source-trust"
                  type="number"
                  min="0.01"
                  max="1"
                  step="0.01"
                  value={trust}
                  onChange={(e) => setTrust(e.target.value)}
                />
                <button type="submit">Create source</button>
              </form>
            )}
            <h2>Destinations</h2>
            <table data-testid="destinations">
              <Head columns={["destination", "kind", "purpose", "topics", "state", "deliveries"]} actions />
              <tbody>
                {data.destinations.map((d) => (
                  <tr key={d.name}>
                    <td>{d.name}</td>
                    <td>{d.kind}</td>
                    <td>{d.purpose ?? ""}</td>
                    <td>{d.topics.join(", ")}</td>
                    <td>{d.active ? "delivering" : "stopped"}</td>
                    <td>
                      <code>{shown(d.stats)}</code>
                    </td>
                    <td>
                      {isAdmin && (
                        <>
                          <button type="button" className="small" onClick={() => void toggle(d.name, !d.active)}>
                            {d.active ? "Stop" : "Start"}
                          </button>{" "}
                          <button type="button" className="small" onClick={() => void replay(d.name)}>
                            Replay dead letters
                          </button>{" "}
                          <button type="button" className="small" onClick={() => edit({ fields: d, existing: true })}>
                            Edit
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
                {data.destinations.length === 0 && (
                  <tr>
                    <td colSpan={7}>No destinations yet.</td>
                  </tr>
                )}
              </tbody>
            </table>
            {isAdmin &&
              (editing ? (
                <DestinationForm
                  key={editing.fields.name}
                  initial={editing.fields}
                  existing={editing.existing}
                  onCancel={() => setEditing(null)}
                  onSaved={(message) => {
                    setEditing(null);
                    setNotice(message);
                    reload();
                  }}
                />
              ) : (
                <button type="button" onClick={() => edit({ fields: NEW_DESTINATION, existing: false })}>
                  New destination
                </button>
              ))}
          </>
        )}
      </Show>
    </section>
  );
}
