/** Number and text formatting shared by the notifications and views of compression runs. */

export function oneLine(text: string, max: number): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

export function pct(ratio: number): string {
  const p = ratio * 100;
  return `${p < 10 ? p.toFixed(1) : p.toFixed(0)}%`;
}
