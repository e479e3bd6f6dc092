import { type ReactNode, useEffect, useState } from "react";

import { RateChart } from "../components/RateChart";
import { Show } from "../components/Status";
import { count, when } from "../format";
import { graphql } from "../gql";
import type { IngestionLastHourQuery } from "../gql/graphql";
import { type Loaded, useQuery } from "../hooks";
import { useCan } from "../session";
import { Head } from "../components/Table";

/** How often the pipeline chart asks again (ms). */
const SERIES_REFRESH = 15_000;

export const IngestionSeriesQuery = graphql(`
  query IngestionLastHour {
    ingestionSeries(minutes: 60) {
      at
      accepted
      processed
      failed
      merges
      splits
    }
  }
`);

export const ErasureQueueQuery = graphql(`
  query ErasureQueue {
    erasures(limit: 5) {
      id
      status
      requestedAt
      requestedBy
      completedAt
    }
  }
`);

function Pipeline(): ReactNode {
  const { loaded, reload } = useQuery(IngestionSeriesQuery, {});
  // The chart asks again every few seconds: it keeps showing the last answer meanwhile.
  const [shown, setShown] = useState<Loaded<IngestionLastHourQuery>>(loaded);
  useEffect(() => {
    if (loaded.state !== "loading") setShown(loaded);
  }, [loaded]);
  useEffect(() => {
    const timer = window.setInterval(reload, SERIES_REFRESH);
    return () => window.clearInterval(timer);
  }, [reload]);
  return (
    <Show loaded={shown}>
      {(data) => {
        const merges = data.ingestionSeries.reduce((sum, m) => sum + m.merges, 0);
        const splits = data.ingestionSeries.reduce((sum, m) => sum + m.splits, 0);
        return (
          <>
            <RateChart minutes={data.ingestionSeries} />
            <p data-testid="last-hour">
              In the last hour: {count(merges)} merges, {count(splits)} splits.
            </p>
          </>
        );
      }}
    </Show>
  );
}

function ErasureQueue(): ReactNode {
  const { loaded } = useQuery(ErasureQueueQuery, {});
  return (
    <Show loaded={loaded}>
      {(data) => (
        <table data-testid="erasure-queue">
          <Head columns={["requested", "by", "status", "completed"]} />
          <tbody>
            {data.erasures.map((e) => (
              <tr key={e.id}>
                <td>{when(e.requestedAt)}</td>
                <td>{e.requestedBy}</td>
                <td>{e.status}</td>
                <td>{when(e.completedAt)}</td>
              </tr>
            ))}
            {data.erasures.length === 0 && (
              <tr>
                <td colSpan={4}>No erasure requested.</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </Show>
  );
}

export const OverviewQuery = graphql(`
  query Overview {
    health {
      status
      neo4j
      valkey
      version
    }
    ingestion {
      accepted
      pending
      processed
      duplicates
      failed
      deadLettered
      deadLettersWaiting
      merges
      splits
      conflicts
      suppressed
      consents
    }
    profiles(first: 1) {
      totalCount
    }
    segments {
      name
      active
      members
    }
    journeys {
      name
      active
      running
    }
  }
`);

function Figure({ label, value, hint }: { label: string; value: number; hint?: string }): ReactNode {
  return (
    <div className="figure" title={hint}>
      <span className="value">{count(value)}</span>
      <span className="label">{label}</span>
    </div>
  );
}

export function Overview(): ReactNode {
  const { loaded, reload } = useQuery(OverviewQuery, {});
  const privacy = useCan("privacy");
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">
        Overview{" "}
        <button type="button" className="small" onClick={reload}>
          Refresh
        </button>
      </h1>
      <Show loaded={loaded}>
        {(data) => (
          <>
            <p className={`health ${data.health.status}`}>
              Platform {data.health.status} · Neo4j {data.health.neo4j ? "up" : "down"} · Valkey{" "}
              {data.health.valkey ? "up" : "down"} · version {data.health.version}
            </p>
            <h2>Ingestion</h2>
            <Pipeline />
            <div className="figures" data-testid="ingestion">
              <Figure label="accepted" value={data.ingestion.accepted} />
              <Figure label="pending" value={data.ingestion.pending} hint="accepted, not yet in the graph" />
              <Figure label="processed" value={data.ingestion.processed} />
              <Figure label="duplicates" value={data.ingestion.duplicates} />
              <Figure label="failed attempts" value={data.ingestion.failed} />
              <Figure label="dead letters waiting" value={data.ingestion.deadLettersWaiting} />
              <Figure label="suppressed (erased)" value={data.ingestion.suppressed} />
            </div>
            <h2>Identity</h2>
            <div className="figures">
              <Figure label="active profiles" value={data.profiles.totalCount} />
              <Figure label="merges" value={data.ingestion.merges} />
              <Figure label="splits" value={data.ingestion.splits} />
              <Figure label="conflicts" value={data.ingestion.conflicts} />
              <Figure label="consent decisions" value={data.ingestion.consents} />
            </div>
            <div className="columns">
              <div>
                <h2>Segments</h2>
                <table>
                  <Head columns={["segment", "state", "members"]} />
                  <tbody>
                    {data.segments.map((s) => (
                      <tr key={s.name}>
                        <td>
                          <a href={`#/segments/${encodeURIComponent(s.name)}`}>{s.name}</a>
                        </td>
                        <td>{s.active ? "active" : "paused"}</td>
                        <td className="number">
                          <a href={`#/profiles?segment=${encodeURIComponent(s.name)}`}>{count(s.members)}</a>
                        </td>
                      </tr>
                    ))}
                    {data.segments.length === 0 && (
                      <tr>
                        <td colSpan={3}>No segments yet.</td>
                      </tr>
                    )}
                  </tbody>
                </table>
              </div>
              <div>
                <h2>Journeys</h2>
                <table>
                  <Head columns={["journey", "state", "runs in flight"]} />
                  <tbody>
                    {data.journeys.map((j) => (
                      <tr key={j.name}>
                        <td>
                          <a href={`#/journeys/${encodeURIComponent(j.name)}`}>{j.name}</a>
                        </td>
                        <td>{j.active ? "active" : "paused"}</td>
                        <td className="number">{count(j.running)}</td>
                      </tr>
                    ))}
                    {data.journeys.length === 0 && (
                      <tr>
                        <td colSpan={3}>No journeys yet.</td>
                      </tr>
                    )}
                  </tbody>
                </table>
              </div>
            </div>
            {privacy && (
              <>
                <h2>
                  Erasure queue <a href="#/privacy" className="small-link">all erasures</a>
                </h2>
                <ErasureQueue />
              </>
            )}
          </>
        )}
      </Show>
    </section>
  );
}
