// A VM name that does not fit its tile loses its middle, not its end: on a wall of "appliance-01" ...
// "appliance-40", an end ellipsis shows forty tiles of "applian…", while "appl…-17" still says which one it is.
// The end kept is the name's last part after a separator (`-`, `_`, `.`, a space; up to 6 characters), or
// its last 3 characters (also when the part alone is too wide). `fits` measures (wall-tile.tsx measures with the tile's font; tests count characters).
// Pure (tested in test/wall-short-name.test.ts).

const ELLIPSIS = '…';
const LAST_PART = /[-_.\s][^-_.\s]{1,6}$/;

export function shortName(name: string, fits: (text: string) => boolean): string {
  if (fits(name)) return name;
  const m = LAST_PART.exec(name);
  const tails = [...new Set([m && m.index > 0 ? name.slice(m.index) : name.slice(-3), name.slice(-3)])];
  for (const tail of tails) {
    for (let head = name.length - tail.length - 1; head >= 0; head--) {
      const text = name.slice(0, head) + ELLIPSIS + tail;
      if (fits(text)) return text;
    }
  }
  // A tile far too small for text: the name, cut by CSS.
  return name;
}
