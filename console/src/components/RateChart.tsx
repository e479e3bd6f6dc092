// The tracking pipeline minute by minute: a bar per minute of messages processed, a line of
// messages accepted, as events per second. Drawn as plain SVG (sixty bars need no library),
// with the figures in words for screen readers and each bar's numbers on hover.
import type { ReactNode } from "react";

export interface Minute {
  at: number;
  accepted: number;
  processed: number;
  failed: number;
}

const WIDTH = 720;
const HEIGHT = 140;
const PAD = { left: 44, right: 8, top: 8, bottom: 22 };

function perSecond(n: number): number {
  return n / 60;
}

function rate(n: number): string {
  const r = perSecond(n);
  if (r >= 10) return r.toFixed(0);
  return r >= 1 ? r.toFixed(1) : r.toFixed(2);
}

function clock(seconds: number): string {
  return new Date(seconds * 1000).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

export function RateChart({ minutes }: { minutes: readonly Minute[] }): ReactNode {
  if (minutes.length === 0) return null;
  // The last minute is still running: it is drawn, but the summary speaks of the last whole one.
  const whole = minutes.length > 1 ? minutes[minutes.length - 2]! : minutes[0]!;
  const peak = Math.max(1, ...minutes.map((m) => Math.max(m.processed, m.accepted)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const step = plotW / minutes.length;
  const y = (n: number): number => PAD.top + plotH - (n / peak) * plotH;
  const accepted = minutes
    .map((m, i) => `${i === 0 ? "M" : "L"}${(PAD.left + i * step + step / 2).toFixed(1)},${y(m.accepted).toFixed(1)}`)
    .join(" ");
  const total = minutes.reduce((sum, m) => sum + m.processed, 0);
  const failed = minutes.reduce((sum, m) => sum + m.failed, 0);
  const summary =
    `Over the last ${minutes.length} minutes ${total.toLocaleString("en-US")} messages processed` +
    ` (peak ${rate(peak)} per second), ${failed.toLocaleString("en-US")} failed attempts;` +
    ` last whole minute ${rate(whole.processed)} processed and ${rate(whole.accepted)} accepted per second.`;
  return (
    <figure className="rate-chart" data-testid="rate-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary}>
        <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(0)} y2={y(0)} className="axis" />
        <text x={PAD.left - 6} y={y(peak) + 4} className="tick" textAnchor="end">
          {rate(peak)}/s
        </text>
        <text x={PAD.left - 6} y={y(0)} className="tick" textAnchor="end">
          0
        </text>
        {minutes.map((m, i) => (
          <rect
            key={m.at}
            x={PAD.left + i * step + 1}
            y={y(m.processed)}
            width={Math.max(1, step - 2)}
            height={y(0) - y(m.processed)}
            className={m.failed > 0 ? "bar failed" : "bar"}
          >
            <title>
              {clock(m.at)}: {rate(m.processed)}/s processed, {rate(m.accepted)}/s accepted
              {m.failed > 0 ? `, ${m.failed} failed attempts` : ""}
            </title>
          </rect>
        ))}
        <path d={accepted} className="accepted" fill="none" />
        {[0, Math.floor(minutes.length / 2), minutes.length - 1].map((i, n) => (
          <text
            key={i}
            x={n === 0 ? PAD.left : n === 2 ? WIDTH - PAD.right : PAD.left + i * step + step / 2}
            y={HEIGHT - 6}
            className="tick"
            textAnchor={n === 0 ? "start" : n === 2 ? "end" : "middle"}
          >
            {clock(minutes[i]!.at)}
          </text>
        ))}
      </svg>
      <figcaption>
        <span className="key processed">■</span> processed per second{" "}
        <span className="key accepted">—</span> accepted per second · {summary}
      </figcaption>
    </figure>
  );
}
