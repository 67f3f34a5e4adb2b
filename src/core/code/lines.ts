/** Lines of a text with their newlines (the last line may lack one; no empty last entry). */
export function splitLinesKeepEnds(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return lines.length > 0 && lines[lines.length - 1] === '' ? lines.slice(0, -1) : lines;
}
