import { type FormEvent, type ReactNode, useState } from "react";

import { IDENTIFIER_TYPES } from "../components/IdentifierFields";
import { Pager, useCursors } from "../components/Pager";
import { Failure, Show } from "../components/Status";
import { count, shown, when } from "../format";
import { graphql } from "../gql";
import type { ProfileFilterInput } from "../gql/graphql";
import { asApiError, go, hashQuery, useQuery } from "../hooks";
import type { ApiError } from "../api";
import { useRequest } from "../session";
import { Head } from "../components/Table";

export const ProfilesQuery = graphql(`
  query ProfilesPage($first: Int!, $after: String, $filter: ProfileFilterInput) {
    profiles(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          updatedAt
          traits
          identifierTypes
        }
      }
    }
  }
`);

export const FindByIdentifier = graphql(`
  query FindByIdentifier($type: String!, $value: String!) {
    profileByIdentifier(type: $type, value: $value) {
      id
    }
  }
`);

const PAGE = 25;

function filterFrom(query: URLSearchParams): ProfileFilterInput | null {
  const segment = query.get("segment");
  const trait = query.get("trait");
  const value = query.get("value");
  if (segment) return { segment };
  if (trait && value !== null) return { trait: { name: trait, value } };
  return null;
}

function summary(traits: unknown): string {
  if (typeof traits !== "object" || traits === null) return "";
  const record = traits as Record<string, unknown>;
  return ["name", "first_name", "last_name", "email", "company", "plan"]
    .filter((k) => record[k] !== undefined && record[k] !== null)
    .map((k) => `${k}: ${shown(record[k])}`)
    .join(" · ");
}

function IdentifierSearch(): ReactNode {
  const run = useRequest();
  const [type, setType] = useState<string>("email");
  const [value, setValue] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [missing, setMissing] = useState(false);

  async function find(event: FormEvent): Promise<void> {
    event.preventDefault();
    setError(null);
    setMissing(false);
    try {
      const found = await run(FindByIdentifier, { type, value: value.trim() });
      if (found.profileByIdentifier) go("profiles", found.profileByIdentifier.id);
      else setMissing(true);
    } catch (e) {
      setError(asApiError(e));
    }
  }

  return (
    <form className="search" onSubmit={(e) => void find(e)} aria-label="Find by identifier">
      <label htmlFor="id-type">Identifier</label>
      <select id="id-type" value={type} onChange={(e) => setType(e.target.value)}>
        {IDENTIFIER_TYPES.map((t) => (
          <option key={t}>{t}</option>
        ))}
      </select>
      <input
        aria-label="Identifier value"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        placeholder="jane@example.com"
        required
      />
      <button type="submit">Find</button>
      {missing && <span className="note">No profile has that identifier.</span>}
      {error && <Failure error={error} />}
    </form>
  );
}

function FilterForm({ filter }: { filter: ProfileFilterInput | null }): ReactNode {
  const [segment, setSegment] = useState(filter?.segment ?? "");
  const [trait, setTrait] = useState(filter?.trait?.name ?? "");
  const [value, setValue] = useState(typeof filter?.trait?.value === "string" ? filter.trait.value : "");

  function apply(event: FormEvent): void {
    event.preventDefault();
    const query = new URLSearchParams();
    if (segment.trim()) query.set("segment", segment.trim());
    else if (trait.trim()) {
      query.set("trait", trait.trim());
      query.set("value", value);
    }
    window.location.hash = `#/profiles${query.size > 0 ? "?" + query.toString() : ""}`;
  }

  return (
    <form className="search" onSubmit={apply} aria-label="Filter profiles">
      <label htmlFor="f-segment">Segment</label>
      <input id="f-segment" value={segment} onChange={(e) => setSegment(e.target.value)} />
      <span className="or">or trait</span>
      <input aria-label="Trait name" value={trait} onChange={(e) => setTrait(e.target.value)} placeholder="plan" />
      <span>=</span>
      <input aria-label="Trait value" value={value} onChange={(e) => setValue(e.target.value)} placeholder="pro" />
      <button type="submit">Filter</button>
    </form>
  );
}

export function Profiles(): ReactNode {
  const filter = filterFrom(hashQuery());
  const cursors = useCursors();
  const { loaded } = useQuery(ProfilesQuery, { first: PAGE, after: cursors.after, filter });
  const filterKey = JSON.stringify(filter);
  const [seenFilter, setSeenFilter] = useState(filterKey);
  if (seenFilter !== filterKey) {
    setSeenFilter(filterKey);
    cursors.reset();
  }
  return (
    <section aria-labelledby="profiles-title">
      <h1 id="profiles-title">Profiles</h1>
      <IdentifierSearch />
      <FilterForm key={filterKey} filter={filter} />
      <Show loaded={loaded}>
        {(data) => (
          <>
            <p data-testid="profile-count">
              {count(data.profiles.totalCount)} active profiles
              {filter ? " match" : ""} · page {cursors.page}
            </p>
            <table className="profiles">
              <Head columns={["profile", "traits", "identifiers", "updated"]} />
              <tbody>
                {data.profiles.edges.map(({ node }) => (
                  <tr key={node.id}>
                    <td>
                      <a href={`#/profiles/${encodeURIComponent(node.id)}`}>{node.id}</a>
                    </td>
                    <td>{summary(node.traits)}</td>
                    <td>{node.identifierTypes.join(", ")}</td>
                    <td>{when(node.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager cursors={cursors} pageInfo={data.profiles.pageInfo} />
          </>
        )}
      </Show>
    </section>
  );
}
