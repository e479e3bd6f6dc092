import type { ReactNode } from "react";

import { type Capability, useSession } from "../session";

/** The pages: path, title, and the capability without which the page is not offered. */
const PAGES: readonly (readonly [string, string, Capability])[] = [
  ["", "Overview", "read"],
  ["profiles", "Profiles", "read"],
  ["segments", "Segments", "read"],
  ["journeys", "Journeys", "read"],
  ["explain", "Why one person?", "read"],
  ["privacy", "Privacy", "privacy"],
  ["sources", "Sources", "read"],
  ["keys", "API keys", "admin"],
];

export function Layout({
  current,
  onSignOut,
  children,
}: {
  current: string;
  onSignOut: () => void;
  children: ReactNode;
}): ReactNode {
  const session = useSession();
  return (
    <div className="layout">
      <header>
        <span className="brand">CDP console</span>
        <nav aria-label="Pages">
          {PAGES.filter(([, , needs]) => session.capabilities.has(needs)).map(([path, label]) => (
            <a key={path} href={`#/${path}`} aria-current={current === path ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span className="who" data-testid="who">
          {session.keyName} · <strong>{session.role}</strong>
          {session.capabilities.has("read_pii") ? "" : " · personal data masked"}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>{children}</main>
    </div>
  );
}
