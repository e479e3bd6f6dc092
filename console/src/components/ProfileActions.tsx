import { type FormEvent, type ReactNode, useState } from "react";

import type { ApiError } from "../api";
import { asApiError } from "../hooks";
import { graphql } from "../gql";
import { useCan, useRequest } from "../session";
import { Failure } from "./Status";

export const UnlinkIdentifier = graphql(`
  mutation UnlinkFromProfile($key: String!) {
    unlinkIdentifier(key: $key, reason: "console") {
      __typename
      ... on Unlinked {
        profileId
        splitProfiles
      }
      ... on IdentifierNotFound {
        message
      }
      ... on InvalidIdentifier {
        message
      }
    }
  }
`);

export const BlockIdentifier = graphql(`
  mutation BlockFromProfile($key: String!) {
    blockIdentifier(key: $key) {
      __typename
      ... on Blocked {
        profileId
        splitProfiles
      }
      ... on IdentifierNotFound {
        message
      }
      ... on InvalidIdentifier {
        message
      }
    }
  }
`);

export const SetTrait = graphql(`
  mutation SetTraitByHand($id: String!, $name: String!, $value: JSON!) {
    setTrait(profileId: $id, name: $name, value: $value) {
      __typename
      ... on TraitSet {
        profileId
      }
      ... on TraitRefused {
        message
      }
    }
  }
`);

/** What an unlink or a block did: `profileId` is where the identifier is now. */
function splitText(profileId: string | null | undefined, split: readonly string[]): string {
  if (split.length === 0) return "Nothing split.";
  const others = split.filter((id) => id !== profileId);
  const where = profileId ? `the identifier is now in profile ${profileId}` : "the identifier is in no profile";
  return `The profile split: ${where}${others.length > 0 ? `; also split off: ${others.join(", ")}` : ""}.`;
}

/** Unlink or block one identifier (the curate capability). It is named by its key, so a role
 * that sees the value masked can act on it too; the question shows the value as the role sees
 * it. */
export function IdentifierActions({
  identifierKey,
  type,
  value,
  onChanged,
}: {
  identifierKey: string;
  type: string;
  value: string | null | undefined;
  onChanged: (message: string) => void;
}): ReactNode {
  const run = useRequest();
  const mayCurate = useCan("curate");
  const [error, setError] = useState<ApiError | null>(null);
  if (!mayCurate) return null;
  const key = identifierKey;
  const named = `${type} ${value ?? "(erased)"}`;

  /** Ask, then change the graph and say what split. */
  async function act(question: string, change: () => Promise<string>): Promise<void> {
    if (!window.confirm(question)) return;
    try {
      onChanged(await change());
    } catch (e) {
      setError(asApiError(e));
    }
  }

  const unlink = (): Promise<void> =>
    act(`Unlink ${named} for good? Later evidence cannot re-link it.`, async () => {
      const { unlinkIdentifier: done } = await run(UnlinkIdentifier, { key });
      return done.__typename === "Unlinked" ? splitText(done.profileId, done.splitProfiles) : done.message;
    });
  const block = (): Promise<void> =>
    act(`Block ${named}? It will link nothing until unblocked.`, async () => {
      const { blockIdentifier: done } = await run(BlockIdentifier, { key });
      return done.__typename === "Blocked" ? splitText(done.profileId, done.splitProfiles) : done.message;
    });

  return (
    <>
      <button type="button" className="small" onClick={() => void unlink()}>
        Unlink
      </button>{" "}
      <button type="button" className="small" onClick={() => void block()}>
        Block
      </button>
      {error && <Failure error={error} />}
    </>
  );
}

/** Set a trait by hand (source `manual`); the value is JSON when it parses, else text. */
export function SetTraitForm({
  profileId,
  onChanged,
}: {
  profileId: string;
  onChanged: (message: string) => void;
}): ReactNode {
  const run = useRequest();
  const [name, setName] = useState("");
  const [text, setText] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  if (!useCan("curate")) return null;

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setError(null);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    try {
      const { setTrait: done } = await run(SetTrait, { id: profileId, name: name.trim(), value });
      onChanged(done.__typename === "TraitSet" ? `${name.trim()} set by hand.` : done.message);
    } catch (e) {
      setError(asApiError(e));
    }
  }

  return (
    <form className="search" onSubmit={(e) => void submit(e)} aria-label="Set a trait">
      <input aria-label="Trait to set" value={name} onChange={(e) => setName(e.target.value)} placeholder="plan" required />
      <input aria-label="New value" value={text} onChange={(e) => setText(e.target.value)} placeholder="enterprise" required />
      <button type="submit">Set trait</button>
      {error && <Failure error={error} />}
    </form>
  );
}

export const MergeWith = graphql(`
  mutation MergeWithProfile($ids: [String!]!, $reason: String!) {
    mergeProfiles(ids: $ids, reason: $reason) {
      __typename
      ... on Merged {
        profileId
        mergedIds
      }
      ... on MergeConflict {
        reason
      }
      ... on ProfileNotFound {
        message
      }
      ... on InvalidMergeRequest {
        message
      }
    }
  }
`);

export const RecordConsent = graphql(`
  mutation RecordConsent($profileId: String!, $purpose: String!, $granted: Boolean!) {
    setConsent(profileId: $profileId, purpose: $purpose, granted: $granted, source: "manual") {
      __typename
      ... on ConsentRecorded {
        decision {
          purpose
          granted
        }
      }
      ... on ProfileNotFound {
        message
      }
      ... on InvalidConsent {
        message
      }
      ... on IdentifierNotFound {
        message
      }
      ... on InvalidIdentifier {
        message
      }
    }
  }
`);

/** Merge another profile into this one by hand (the curate capability). An identity rule may
 * refuse it: then nothing changes and the refusal names the rule. */
export function MergeForm({
  profileId,
  onChanged,
}: {
  profileId: string;
  onChanged: (message: string) => void;
}): ReactNode {
  const run = useRequest();
  const [other, setOther] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  if (!useCan("curate")) return null;

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setError(null);
    const them = other.trim();
    if (!window.confirm(`Merge ${them} with ${profileId}? They become one person; unlinking undoes it.`)) return;
    try {
      const { mergeProfiles: done } = await run(MergeWith, { ids: [profileId, them], reason: reason.trim() || "console" });
      if (done.__typename === "Merged") {
        onChanged(`Merged: ${done.mergedIds.join(", ")} now in ${done.profileId}.`);
        if (done.profileId !== profileId) window.location.hash = `#/profiles/${encodeURIComponent(done.profileId)}`;
      } else if (done.__typename === "MergeConflict") {
        onChanged(`Merge refused by the rule ${done.reason}: nothing changed.`);
      } else {
        onChanged(done.message);
      }
    } catch (e) {
      setError(asApiError(e));
    }
  }

  return (
    <form className="search" onSubmit={(e) => void submit(e)} aria-label="Merge with another profile">
      <input
        aria-label="Profile to merge with"
        value={other}
        onChange={(e) => setOther(e.target.value)}
        placeholder="profile id"
        required
      />
      <input aria-label="Reason for the merge" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="reason" />
      <button type="submit">Merge</button>
      {error && <Failure error={error} />}
    </form>
  );
}

/** Record a consent decision on the profile (the privacy capability), source `manual`. */
export function ConsentForm({
  profileId,
  purposes,
  onChanged,
}: {
  profileId: string;
  purposes: readonly string[];
  onChanged: (message: string) => void;
}): ReactNode {
  const run = useRequest();
  const [purpose, setPurpose] = useState(purposes[0] ?? "");
  const [granted, setGranted] = useState("granted");
  const [error, setError] = useState<ApiError | null>(null);
  if (!useCan("privacy") || purposes.length === 0) return null;

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setError(null);
    try {
      const { setConsent: done } = await run(RecordConsent, { profileId, purpose, granted: granted === "granted" });
      onChanged(
        done.__typename === "ConsentRecorded"
          ? `Consent to ${done.decision.purpose} ${done.decision.granted ? "granted" : "denied"}, recorded.`
          : done.message,
      );
    } catch (e) {
      setError(asApiError(e));
    }
  }

  return (
    <form className="search" onSubmit={(e) => void submit(e)} aria-label="Record a consent decision">
      <label htmlFor="consent-purpose">Purpose</label>
      <select id="consent-purpose" value={purpose} onChange={(e) => setPurpose(e.target.value)}>
        {purposes.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
      <select aria-label="Decision" value={granted} onChange={(e) => setGranted(e.target.value)}>
        <option value="granted">granted</option>
        <option value="denied">denied</option>
      </select>
      <button type="submit">Record consent</button>
      {error && <Failure error={error} />}
    </form>
  );
}
