import { type ReactNode, useEffect, useState } from "react";

import { Layout } from "./components/Layout";
import { asApiError, useRoute } from "./hooks";
import { ApiKeys } from "./pages/ApiKeys";
import { Explain } from "./pages/Explain";
import { Journeys } from "./pages/Journeys";
import { Overview } from "./pages/Overview";
import { Privacy } from "./pages/Privacy";
import { Segments } from "./pages/Segments";
import { Sources } from "./pages/Sources";
import { ProfilePage } from "./pages/ProfilePage";
import { Profiles } from "./pages/Profiles";
import { SignIn } from "./pages/SignIn";
import { forgetKey, type Session, SessionContext, signIn, storedKey } from "./session";

function Page({ route }: { route: string[] }): ReactNode {
  const [page, id] = route;
  if (page === "profiles" && id !== undefined) return <ProfilePage key={id} id={id} />;
  if (page === "profiles") return <Profiles />;
  if (page === "explain") return <Explain />;
  if (page === "privacy") return <Privacy />;
  if (page === "segments") return <Segments key={id ?? ""} name={id} />;
  if (page === "journeys") return <Journeys key={id ?? ""} name={id} />;
  if (page === "sources") return <Sources />;
  if (page === "keys") return <ApiKeys />;
  if (page === undefined) return <Overview />;
  return <p role="alert">No page {route.join("/")}.</p>;
}

export function App(): ReactNode {
  const route = useRoute();
  const [session, setSession] = useState<Session | null>(null);
  const [resuming, setResuming] = useState(storedKey() !== null);

  useEffect(() => {
    const key = storedKey();
    if (key === null) return;
    signIn(key).then(setSession, (error: unknown) => {
      if (asApiError(error).unauthorized) forgetKey();
      setResuming(false);
    });
  }, []);

  if (session === null) {
    if (resuming) return <p className="loading">Signing in…</p>;
    return <SignIn onSignedIn={setSession} />;
  }
  return (
    <SessionContext.Provider value={session}>
      <Layout
        current={route[0] ?? ""}
        onSignOut={() => {
          forgetKey();
          setSession(null);
          setResuming(false);
        }}
      >
        <Page route={route} />
      </Layout>
    </SessionContext.Provider>
  );
}
