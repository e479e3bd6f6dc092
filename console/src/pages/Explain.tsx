import { type FormEvent, type ReactNode, useState } from "react";

import { IdentifierFields } from "../components/IdentifierFields";
import { Show } from "../components/Status";
import { count, weight, when } from "../format";
import { graphql } from "../gql";
import type { IdentifierInput } from "../gql/graphql";
import { useQuery } from "../hooks";
import { Head } from "../components/Table";

export const ExplainQuery = graphql(`
  query ExplainPair($a: IdentifierInput!, $b: IdentifierInput!) {
    explainLink(a: $a, b: $b) {
      connected
      sameProfile
      profileA
      profileB
      path {
        fromType
        toType
        rule
        weight
        count
        source
        firstSeen
        lastSeen
      }
    }
  }
`);

export const CaughtQuery = graphql(`
  query CaughtByRules($limit: Int!) {
    genericIdentifiers(limit: $limit) {
      key
      type
      links
      degree
      rivals
      caughtBy
      profileId
      firstSeen
    }
  }
`);

const CAUGHT_BY: Record<string, string> = {
  generic_degree: "linked to too many others",
  generic_rivals: "in many people's sessions beside their own",
  flagged: "flagged when last decided",
};

/** What the rules caught as shared or junk: their links merge nothing. */
function Caught(): ReactNode {
  const { loaded } = useQuery(CaughtQuery, { limit: 50 });
  return (
    <section aria-labelledby="caught-title">
      <h2 id="caught-title">Caught by the rules</h2>
      <p className="hint">
        Shared values and junk (a family e-mail, a shop tablet, a user id a broken form sends for
        everyone): their evidence no longer merges profiles.
      </p>
      <Show loaded={loaded}>
        {({ genericIdentifiers: caught }) =>
          caught.length === 0 ? (
            <p>Nothing caught.</p>
          ) : (
            <table data-testid="caught">
              <Head columns={["Type", "Why", "Links", "Others linked", "Rivals", "First seen", "Profile"]} />
              <tbody>
                {caught.map((g) => (
                  <tr key={g.key}>
                    <td>{g.type}</td>
                    <td>{CAUGHT_BY[g.caughtBy] ?? g.caughtBy}</td>
                    <td>{count(g.links)}</td>
                    <td>{count(g.degree)}</td>
                    <td>{count(g.rivals)}</td>
                    <td>{when(g.firstSeen)}</td>
                    <td>
                      {g.profileId ? (
                        <a href={`#/profiles/${encodeURIComponent(g.profileId)}`}>{g.profileId}</a>
                      ) : (
                        "–"
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </section>
  );
}

function Answer({ a, b }: { a: IdentifierInput; b: IdentifierInput }): ReactNode {
  const { loaded } = useQuery(ExplainQuery, { a, b });
  return (
    <Show loaded={loaded}>
      {({ explainLink: found }) => (
        <div data-testid="explanation">
          <p className="verdict">
            {found.sameProfile
              ? "One person: both identifiers belong to the same profile."
              : found.connected
                ? "Connected by evidence, yet in two profiles (a rule keeps them apart)."
                : "Not connected: no chain of evidence joins them."}
          </p>
          <p>
            {found.profileA ? <a href={`#/profiles/${encodeURIComponent(found.profileA)}`}>{found.profileA}</a> : "unknown"}
            {" · "}
            {found.profileB ? <a href={`#/profiles/${encodeURIComponent(found.profileB)}`}>{found.profileB}</a> : "unknown"}
          </p>
          {found.path.length > 0 && (
            <ol className="path">
              {found.path.map((step, index) => (
                <li key={index}>
                  <strong>{step.fromType}</strong> → <strong>{step.toType}</strong> by{" "}
                  <em>{step.rule}</em>, weight {weight(step.weight)}, seen {count(step.count)}×
                  {step.source && ` from ${step.source}`}, first {when(step.firstSeen)}
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </Show>
  );
}

export function Explain(): ReactNode {
  const [a, setA] = useState<IdentifierInput>({ type: "email", value: "" });
  const [b, setB] = useState<IdentifierInput>({ type: "anonymous_id", value: "" });
  const [asked, setAsked] = useState<{ a: IdentifierInput; b: IdentifierInput } | null>(null);

  function ask(event: FormEvent): void {
    event.preventDefault();
    setAsked({ a: { ...a, value: a.value.trim() }, b: { ...b, value: b.value.trim() } });
  }

  return (
    <section aria-labelledby="explain-title">
      <h1 id="explain-title">Why are these one person?</h1>
      <form className="explain" onSubmit={ask}>
        <IdentifierFields label="First identifier" value={a} onChange={setA} />
        <IdentifierFields label="Second identifier" value={b} onChange={setB} />
        <button type="submit">Explain</button>
      </form>
      {asked && <Answer a={asked.a} b={asked.b} />}
      <Caught />
    </section>
  );
}
