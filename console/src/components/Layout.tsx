import type { ReactNode } from "react";

import { useSession } from "../session";

const PAGES: readonly (readonly [string, string])[] = [
  ["", "Overview"],
  ["profiles", "Profiles"],
  ["explain", "Why one person?"],
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
          {PAGES.map(([path, label]) => (
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
