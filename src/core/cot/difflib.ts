/**
 * Ratcliff/Obershelp similarity exactly as Python's difflib.SequenceMatcher(None, a, b).ratio()
 * (isjunk None, autojunk True), over code points like Python strings. ASAP's validity check
 * uses this ratio (>= 0.6), so matching difflib's numbers, including the "popular element"
 * heuristic for b of length >= 200, keeps our check identical to theirs.
 */

interface Match {
  i: number;
  j: number;
  size: number;
}

class SequenceMatcher {
  private readonly b2j = new Map<string, number[]>();

  constructor(
    private readonly a: readonly string[],
    private readonly b: readonly string[],
  ) {
    b.forEach((elt, i) => {
      const list = this.b2j.get(elt);
      if (list) list.push(i);
      else this.b2j.set(elt, [i]);
    });
    // autojunk: with no isjunk function, bjunk is empty; only "popular" elements are purged.
    const n = b.length;
    if (n >= 200) {
      const ntest = Math.floor(n / 100) + 1;
      for (const [elt, idxs] of [...this.b2j]) if (idxs.length > ntest) this.b2j.delete(elt);
    }
  }

  findLongestMatch(alo: number, ahi: number, blo: number, bhi: number): Match {
    const { a, b, b2j } = this;
    let besti = alo;
    let bestj = blo;
    let bestsize = 0;
    let j2len = new Map<number, number>();
    for (let i = alo; i < ahi; i++) {
      const newj2len = new Map<number, number>();
      for (const j of b2j.get(a[i]) ?? []) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = (j2len.get(j - 1) ?? 0) + 1;
        newj2len.set(j, k);
        if (k > bestsize) {
          besti = i - k + 1;
          bestj = j - k + 1;
          bestsize = k;
        }
      }
      j2len = newj2len;
    }
    // Extend by (popular, non-junk) equal elements on each side; bjunk is empty here, so the
    // junk-sucking loops of difflib are no-ops and omitted.
    while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
      besti--;
      bestj--;
      bestsize++;
    }
    while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) bestsize++;
    return { i: besti, j: bestj, size: bestsize };
  }

  matchingCharacters(): number {
    const queue: Array<[number, number, number, number]> = [[0, this.a.length, 0, this.b.length]];
    let matches = 0;
    while (queue.length > 0) {
      const [alo, ahi, blo, bhi] = queue.pop() as [number, number, number, number];
      const { i, j, size } = this.findLongestMatch(alo, ahi, blo, bhi);
      if (size > 0) {
        matches += size;
        if (alo < i && blo < j) queue.push([alo, i, blo, j]);
        if (i + size < ahi && j + size < bhi) queue.push([i + size, ahi, j + size, bhi]);
      }
    }
    return matches;
  }
}

/** difflib.SequenceMatcher(None, a, b).ratio(): 2*M/T, 1 when both are empty. */
export function sequenceRatio(a: string, b: string): number {
  const ac = Array.from(a);
  const bc = Array.from(b);
  const total = ac.length + bc.length;
  if (total === 0) return 1;
  return (2 * new SequenceMatcher(ac, bc).matchingCharacters()) / total;
}
