import { type FormEvent, type ReactNode, useState } from "react";

import { IdentifierFields } from "../components/IdentifierFields";
import { Show } from "../components/Status";
import { count, weight, when } from "../format";
import { graphql } from "../gql";
import type { IdentifierInput } from "../gql/graphql";
import { useQuery } from "../hooks";

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
    </section>
  );
}
