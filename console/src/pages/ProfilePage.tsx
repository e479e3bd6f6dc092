import { Fragment, type ReactNode, useState } from "react";

import { IdentityGraphView } from "../components/IdentityGraphView";
import { Pager, useCursors } from "../components/Pager";
import { ConsentForm, IdentifierActions, MergeForm, SetTraitForm } from "../components/ProfileActions";
import { Notice, Show } from "../components/Status";
import { count, shown, weight, when } from "../format";
import { graphql } from "../gql";
import type { ProfileViewQuery } from "../gql/graphql";
import { useQuery } from "../hooks";
import { useProfileUpdates } from "../live";
import { eraseFromProfile } from "./Privacy";
import { useCan, useSession } from "../session";
import { Head } from "../components/Table";

export const ProfileView = graphql(`
  query ProfileView($id: String!) {
    profile(id: $id) {
      id
      status
      mergedInto
      createdAt
      updatedAt
      version
      traits
      tags
      identifiers {
        key
        type
        value
        firstSeen
        lastSeen
        events
        generic
        blocked
      }
      devices {
        kind
        type
        manufacturer
        model
        family
        os {
          name
          version
        }
        browser {
          name
          version
        }
        app {
          name
          version
        }
        firstSeen
        lastSeen
        events
        profiles
      }
      consents {
        purpose
        allowed
        reason
      }
      consentHistory {
        id
        purpose
        granted
        at
        source
        expiresAt
      }
      segments {
        segment
        since
      }
      journeyRuns {
        id
        journey
        status
        step
        updatedAt
        exitReason
      }
    }
    purposes {
      name
    }
    identityGraph(profileId: $id, depth: 1) {
      truncated
      nodes {
        id
        type
        profileId
        generic
        blocked
      }
      edges {
        source
        target
        kind
        rule
        weight
        count
        followed
        refusal
      }
    }
  }
`);

export const TraitWhy = graphql(`
  query TraitWhy($id: String!, $name: String!) {
    profile(id: $id) {
      trait(name: $name) {
        name
        strategy
        personal
        winner {
          value
          source
          at
          weight
          trust
          bond
          decay
          count
        }
        candidates {
          value
          source
          at
          weight
          trust
          bond
          decay
          count
        }
      }
    }
  }
`);

export const ProfileEvents = graphql(`
  query ProfileEventsPage($id: String!, $after: String) {
    profile(id: $id) {
      events(first: 20, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            type
            name
            at
            source
            flags
          }
        }
      }
    }
  }
`);

type Profile = NonNullable<ProfileViewQuery["profile"]>;

function device(d: Profile["devices"][number]): string {
  const parts = [
    d.manufacturer,
    d.model ?? d.family,
    d.os ? [d.os.name, d.os.version].filter(Boolean).join(" ") : null,
    d.browser ? [d.browser.name, d.browser.version].filter(Boolean).join(" ") : null,
    d.app ? `app ${[d.app.name, d.app.version].filter(Boolean).join(" ")}` : null,
  ];
  return parts.filter((p) => p !== null && p !== undefined && p !== "").join(" · ") || d.kind;
}

function TraitProvenance({ profileId, name }: { profileId: string; name: string }): ReactNode {
  const { loaded } = useQuery(TraitWhy, { id: profileId, name });
  return (
    <Show loaded={loaded}>
      {(data) => {
        const trait = data.profile?.trait;
        if (!trait) return <p>No decision for {name}.</p>;
        return (
          <div className="provenance" data-testid={`provenance-${name}`}>
            <p>
              Strategy <strong>{trait.strategy}</strong>; weight = trust × bond × decay of the
              heaviest observation.
            </p>
            <table>
              <Head columns={["value", "source", "seen", "count", "trust", "bond", "decay", "weight"]} />
              <tbody>
                {trait.candidates.map((c, index) => (
                  <tr key={index} className={index === 0 ? "winner" : undefined}>
                    <td>{shown(c.value)}</td>
                    <td>{c.source}</td>
                    <td>{when(c.at)}</td>
                    <td className="number">{c.count}</td>
                    <td className="number">{weight(c.trust)}</td>
                    <td className="number">{weight(c.bond)}</td>
                    <td className="number">{weight(c.decay)}</td>
                    <td className="number">{weight(c.weight)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      }}
    </Show>
  );
}

function Traits({ profile }: { profile: Profile }): ReactNode {
  const [open, setOpen] = useState<string | null>(null);
  const traits =
    typeof profile.traits === "object" && profile.traits !== null
      ? Object.entries(profile.traits as Record<string, unknown>)
      : [];
  if (traits.length === 0) return <p>No traits yet.</p>;
  return (
    <table className="traits">
      <tbody>
        {traits.map(([name, value]) => (
          <Fragment key={name}>
            <tr>
              <th scope="row">{name}</th>
              <td data-testid={`trait-${name}`}>{shown(value)}</td>
              <td>
                <button
                  type="button"
                  className="small"
                  aria-expanded={open === name}
                  onClick={() => setOpen(open === name ? null : name)}
                >
                  Why?
                </button>
              </td>
            </tr>
            {open === name && (
              <tr>
                <td colSpan={3}>
                  <TraitProvenance profileId={profile.id} name={name} />
                </td>
              </tr>
            )}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

function Events({ profileId }: { profileId: string }): ReactNode {
  const cursors = useCursors();
  const { loaded } = useQuery(ProfileEvents, { id: profileId, after: cursors.after });
  return (
    <Show loaded={loaded}>
      {(data) => {
        const events = data.profile?.events;
        if (!events) return null;
        return (
          <>
            <p>{count(events.totalCount)} events, newest first</p>
            <table data-testid="events">
              <Head columns={["when", "type", "name", "source", "notes"]} />
              <tbody>
                {events.edges.map(({ node }) => (
                  <tr key={node.id}>
                    <td>{when(node.at)}</td>
                    <td>{node.type}</td>
                    <td>{node.name ?? ""}</td>
                    <td>{node.source}</td>
                    <td>{node.flags.join(", ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager cursors={cursors} pageInfo={events.pageInfo} labels={["Newer", "Older"]} />
          </>
        );
      }}
    </Show>
  );
}

export function ProfilePage({ id }: { id: string }): ReactNode {
  const { loaded, reload } = useQuery(ProfileView, { id });
  const [notice, setNotice] = useState<string | null>(null);
  const mayErase = useCan("privacy");
  const changed = (message: string): void => {
    setNotice(message);
    reload();
  };
  useProfileUpdates(id, useSession().apiKey, ({ kind, related }) => {
    if (kind === "merged_into" && related[0] !== undefined) {
      setNotice(`Merged into ${related[0]}: open it from the status line.`);
    } else {
      setNotice(`Updated live: ${kind}.`);
    }
    reload();
  });
  return (
    <Show loaded={loaded}>
      {(data) => {
        const profile = data.profile;
        if (!profile) return <p role="alert">No profile {id}.</p>;
        return (
          <section aria-labelledby="profile-title">
            <h1 id="profile-title">
              Profile <code>{profile.id}</code>
            </h1>
            <p>
              {profile.status}
              {profile.mergedInto && (
                <>
                  {" "}
                  into <a href={`#/profiles/${encodeURIComponent(profile.mergedInto)}`}>{profile.mergedInto}</a>
                </>
              )}{" "}
              · created {when(profile.createdAt)} · updated {when(profile.updatedAt)} · version{" "}
              {profile.version}
              {profile.tags.length > 0 && ` · tags ${profile.tags.join(", ")}`}
            </p>
            <Notice text={notice} />
            <div className="columns">
              <div>
                <h2>Golden record</h2>
                <Traits profile={profile} />
                <SetTraitForm profileId={profile.id} onChanged={changed} />
                <MergeForm profileId={profile.id} onChanged={changed} />
                <h2>Identifiers</h2>
                <table data-testid="identifiers">
                  <Head columns={["type", "value", "events", "last seen"]} actions />
                  <tbody>
                    {profile.identifiers.map((i) => (
                      <tr key={i.key}>
                        <td>
                          {i.type}
                          {i.blocked && " (blocked)"}
                          {i.generic && " (generic)"}
                        </td>
                        <td>{i.value ?? "(erased)"}</td>
                        <td className="number">{count(i.events)}</td>
                        <td>{when(i.lastSeen)}</td>
                        <td>
                          <IdentifierActions identifierKey={i.key} type={i.type} value={i.value} onChanged={changed} />
                          {mayErase && i.value && (
                            <button
                              type="button"
                              className="small"
                              onClick={() => eraseFromProfile({ type: i.type, value: i.value ?? "" })}
                            >
                              Erase…
                            </button>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <div>
                <h2>Identity graph</h2>
                {data.identityGraph && (
                  <>
                    <IdentityGraphView
                      profileId={profile.id}
                      nodes={data.identityGraph.nodes}
                      edges={data.identityGraph.edges}
                    />
                    {data.identityGraph.truncated && <p className="note">More than 500 nodes: some are not drawn.</p>}
                  </>
                )}
              </div>
            </div>
            <div className="columns">
              <div>
                <h2>Devices</h2>
                <ul data-testid="devices">
                  {profile.devices.map((d, index) => (
                    <li key={index}>
                      {device(d)} · {count(d.events)} events · last {when(d.lastSeen)}
                      {d.profiles > 1 && <strong> · shared by {d.profiles} profiles</strong>}
                    </li>
                  ))}
                  {profile.devices.length === 0 && <li>None seen.</li>}
                </ul>
                <h2>Consent</h2>
                <ul data-testid="consents">
                  {profile.consents.map((c) => (
                    <li key={c.purpose}>
                      {c.purpose}: {c.allowed ? "allowed" : "not allowed"} ({c.reason})
                    </li>
                  ))}
                </ul>
                <ConsentForm
                  profileId={profile.id}
                  purposes={data.purposes.map((p) => p.name)}
                  onChanged={changed}
                />
                {profile.consentHistory.length > 0 && (
                  <details>
                    <summary>History of {profile.consentHistory.length} decisions</summary>
                    <table data-testid="consent-history">
                      <Head columns={["when", "purpose", "decision", "source", "expires"]} />
                      <tbody>
                        {profile.consentHistory.map((d) => (
                          <tr key={d.id}>
                            <td>{when(d.at)}</td>
                            <td>{d.purpose}</td>
                            <td>{d.granted ? "granted" : "denied"}</td>
                            <td>{d.source}</td>
                            <td>{d.expiresAt ? when(d.expiresAt) : "never"}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </details>
                )}
              </div>
              <div>
                <h2>Segments</h2>
                <ul data-testid="segments">
                  {profile.segments.map((s) => (
                    <li key={s.segment}>
                      {s.segment} since {when(s.since)}
                    </li>
                  ))}
                  {profile.segments.length === 0 && <li>In no segment.</li>}
                </ul>
                <h2>Journeys</h2>
                <ul>
                  {profile.journeyRuns.map((r) => (
                    <li key={r.id}>
                      {r.journey}: {r.status} at {r.step}
                      {r.exitReason && ` (${r.exitReason})`} · {when(r.updatedAt)}
                    </li>
                  ))}
                  {profile.journeyRuns.length === 0 && <li>No journey runs.</li>}
                </ul>
              </div>
            </div>
            <h2>Events</h2>
            <Events profileId={profile.id} />
          </section>
        );
      }}
    </Show>
  );
}
