import { type FormEvent, type ReactNode, useEffect, useState } from "react";

import type { ApiError } from "../api";
import { IdentifierFields } from "../components/IdentifierFields";
import { Purposes } from "../components/Purposes";
import { Failure, Show } from "../components/Status";
import { SubjectExportButton } from "../components/SubjectExport";
import { count, shown, when } from "../format";
import { graphql } from "../gql";
import type { IdentifierInput, PreviewErasureQuery } from "../gql/graphql";
import { asApiError, go, useQuery } from "../hooks";
import { useCan, useRequest } from "../session";
import { Head } from "../components/Table";

export const PreviewErasure = graphql(`
  query PreviewErasure($identifier: IdentifierInput!) {
    previewErasure(identifier: $identifier) {
      __typename
      ... on ErasurePreview {
        profileId
        mergedProfiles
        identifiers
        shared
        events
        observations
        consents
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

export const EraseSubject = graphql(`
  mutation EraseSubjectNow($identifier: IdentifierInput!, $reason: String!) {
    eraseSubject(identifier: $identifier, reason: $reason) {
      __typename
      ... on Erasure {
        id
        status
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

export const ErasureStatus = graphql(`
  query ErasureStatus($id: String!) {
    erasure(id: $id) {
      id
      status
      requestedAt
      completedAt
      error
      counts
    }
  }
`);

export const PrivacyLists = graphql(`
  query PrivacyLists($action: String) {
    erasures(limit: 20) {
      id
      status
      requestedAt
      requestedBy
      reason
      completedAt
      error
      counts
    }
    auditLog(limit: 50, action: $action) {
      id
      at
      actor
      action
      target
      details
    }
  }
`);

type Preview = PreviewErasureQuery["previewErasure"];

/** The identifier a profile page hands over: kept in memory, never in the URL, so a person's
 * e-mail or phone does not land in the browser's history. */
let handedOver: IdentifierInput | null = null;

/** Open the privacy page with this identifier filled in. */
export function eraseFromProfile(identifier: IdentifierInput): void {
  handedOver = identifier;
  go("privacy");
}

function byType(counts: unknown): string {
  if (typeof counts !== "object" || counts === null) return "none";
  const entries = Object.entries(counts as Record<string, unknown>);
  return entries.length === 0 ? "none" : entries.map(([t, n]) => `${shown(n)} ${t}`).join(", ");
}

function Progress({ id }: { id: string }): ReactNode {
  const run = useRequest();
  const [status, setStatus] = useState<string>("requested");
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    let stopped = false;
    const poll = async (): Promise<void> => {
      while (!stopped) {
        try {
          const { erasure } = await run(ErasureStatus, { id });
          if (erasure) setStatus(erasure.error ? `${erasure.status}: ${erasure.error}` : erasure.status);
          if (erasure && (erasure.status === "completed" || erasure.status === "failed")) return;
        } catch (e) {
          setError(asApiError(e));
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    };
    void poll();
    return () => {
      stopped = true;
    };
    // One poller per erasure: `run` is made anew on every render, with the same key.
  }, [id]);
  return (
    <div role="status" data-testid="erasure-status">
      Erasure <code>{id}</code>: <strong>{status}</strong>
      {error && <Failure error={error} />}
    </div>
  );
}

function PreviewAndErase({ identifier }: { identifier: IdentifierInput }): ReactNode {
  const run = useRequest();
  const { loaded } = useQuery(PreviewErasure, { identifier });
  const [reason, setReason] = useState("");
  const [started, setStarted] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  async function erase(event: FormEvent): Promise<void> {
    event.preventDefault();
    setError(null);
    try {
      const { eraseSubject: answer } = await run(EraseSubject, { identifier, reason });
      if (answer.__typename === "Erasure") setStarted(answer.id);
      else setRefusal(answer.message);
    } catch (e) {
      setError(asApiError(e));
    }
  }

  return (
    <Show loaded={loaded}>
      {({ previewErasure: preview }: { previewErasure: Preview }) => {
        if (preview.__typename !== "ErasurePreview") return <p role="alert">{preview.message}</p>;
        return (
          <div className="preview" data-testid="erasure-preview">
            <p>
              Erasing deletes profile{" "}
              <a href={`#/profiles/${encodeURIComponent(preview.profileId)}`}>{preview.profileId}</a>
              {preview.mergedProfiles > 0 && ` and the ${preview.mergedProfiles} profiles merged into it`}:
            </p>
            <ul>
              <li>identifiers deleted: {byType(preview.identifiers)}</li>
              <li>identifiers shared with someone else, unlinked and kept: {byType(preview.shared)}</li>
              <li>
                {count(preview.events)} events, {count(preview.observations)} trait observations,{" "}
                {count(preview.consents)} consent decisions
              </li>
            </ul>
            <SubjectExportButton identifier={identifier} profileId={preview.profileId} />
            {started !== null ? (
              <Progress id={started} />
            ) : (
              <form onSubmit={(e) => void erase(e)} className="search">
                <label htmlFor="erase-reason">Reason</label>
                <input
                  id="erase-reason"
                  value={reason}
                  onChange={(e) => setReason(e.target.value)}
                  placeholder="request #1234"
                />
                <button type="submit" className="danger">
                  Erase this subject
                </button>
              </form>
            )}
            {refusal && <p role="alert">{refusal}</p>}
            {error && <Failure error={error} />}
          </div>
        );
      }}
    </Show>
  );
}

function Lists(): ReactNode {
  const [action, setAction] = useState("");
  const { loaded, reload } = useQuery(PrivacyLists, { action: action === "" ? null : action });
  return (
    <>
      <h2>
        Erasures{" "}
        <button type="button" className="small" onClick={reload}>
          Refresh
        </button>
      </h2>
      <Show loaded={loaded}>
        {(data) => (
          <>
            <table data-testid="erasures">
              <Head columns={["requested", "by", "reason", "status", "receipt"]} />
              <tbody>
                {data.erasures.map((e) => (
                  <tr key={e.id}>
                    <td>{when(e.requestedAt)}</td>
                    <td>{e.requestedBy}</td>
                    <td>{e.reason}</td>
                    <td>
                      {e.status}
                      {e.error && ` (${e.error})`}
                    </td>
                    <td>{shown(e.counts)}</td>
                  </tr>
                ))}
                {data.erasures.length === 0 && (
                  <tr>
                    <td colSpan={5}>No erasures yet.</td>
                  </tr>
                )}
              </tbody>
            </table>
            <h2>Audit log</h2>
            <label htmlFor="audit-action">Action</label>{" "}
            <input
              id="audit-action"
              value={action}
              onChange={(e) => setAction(e.target.value)}
              placeholder="erasure.requested"
            />
            <table data-testid="audit">
              <Head columns={["when", "who", "action", "target", "details"]} />
              <tbody>
                {data.auditLog.map((a) => (
                  <tr key={a.id}>
                    <td>{when(a.at)}</td>
                    <td>{a.actor}</td>
                    <td>{a.action}</td>
                    <td>{a.target ?? ""}</td>
                    <td>
                      <code>{shown(a.details)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Show>
    </>
  );
}

export function Privacy(): ReactNode {
  const [identifier, setIdentifier] = useState<IdentifierInput>(() => {
    const given = handedOver ?? { type: "email", value: "" };
    handedOver = null;
    return given;
  });
  const [asked, setAsked] = useState<IdentifierInput | null>(null);
  if (!useCan("privacy")) {
    return <p role="alert">The privacy pages need the privacy_officer or admin role.</p>;
  }

  function preview(event: FormEvent): void {
    event.preventDefault();
    setAsked({ ...identifier, value: identifier.value.trim() });
  }

  return (
    <section aria-labelledby="privacy-title">
      <h1 id="privacy-title">Privacy</h1>
      <h2>A subject: export or erase</h2>
      <form className="explain" onSubmit={preview}>
        <IdentifierFields label="Subject identifier" value={identifier} onChange={setIdentifier} />
        <button type="submit">Preview</button>
      </form>
      {asked && <PreviewAndErase key={JSON.stringify(asked)} identifier={asked} />}
      <Lists />
      <Purposes />
    </section>
  );
}
