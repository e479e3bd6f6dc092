import { type FormEvent, type ReactNode, useState } from "react";

import type { ApiError } from "../api";
import { Failure } from "../components/Status";
import { asApiError } from "../hooks";
import { type Session, signIn } from "../session";

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }): ReactNode {
  const [apiKey, setApiKey] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(apiKey.trim()));
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <h1>CDP console</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          value={apiKey}
          onChange={(e) => setApiKey(e.target.value)}
          required
        />
        <button type="submit" disabled={busy || apiKey.trim() === ""}>
          Sign in
        </button>
        <p className="hint">
          An API key of this workspace (<code>cdp apikey create --role ROLE</code>; in development the admin
          key is <code>CDP_ADMIN_API_KEY</code>). It stays in this browser tab only.
        </p>
      </form>
      {error && <Failure error={error} />}
    </main>
  );
}
